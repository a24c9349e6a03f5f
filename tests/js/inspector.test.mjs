// The inspector page of `serve --ui`, in real headless Chromium: deliveries
// appear live with their verdicts (no reload), a replay and a composed
// event reach the forward target, a delivery copies as a curl command that
// works, the page and its endpoints refuse a foreign Origin or Host and a
// missing token, and the secret is nowhere in what the page receives. The
// page is opened at the URL serve printed, which carries this run's token
// (tests/js/inspector-access.test.mjs covers who may use it, and what it keeps).
// With PROMPTFOO_WEBHOOKS_SCREENSHOT=<path> it saves a screenshot there
// (`make screenshot` writes docs/inspector.png for the README).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import { promisify } from 'node:util';
import { sampleEvent, signPayload, verify } from 'promptfoo-webhooks';
import { launchChromium, watchPage } from './support/chromium.mjs';
import { start } from './support/cli.mjs';

const SECRET = 'inspector-secret-0123456789abcdef';
const received = []; // what the forward target got
let target;
let serve;
let url; // the inspector's address, as serve printed it (with the token)
let origin; // where deliveries go
let token;
let browser;

before(async () => {
  target = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk)).on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body });
      // A target with a replay window of its own: it refuses an old delivery serve verified.
      if (body.includes('"refused-by-target"')) {
        return res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"timestamp_outside_window","message":"too old"}');
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ticket":"SEC-42"}');
    });
  });
  await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
  serve = start(['serve', '--port', '0', '--ui', '--tolerance', '300', '--secret', SECRET, '--forward-to', `http://127.0.0.1:${target.address().port}/siem`]);
  url = await new Promise((resolve, reject) => {
    serve.stdout.on('data', () => {
      const match = /Inspector: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48})\n/.exec(serve.output.stdout);
      if (match) resolve(match[1]);
    });
    serve.exited.then(({ code, stderr }) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  ({ origin } = new URL(url));
  token = new URL(url).searchParams.get('token');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
  await serve?.exited;
  await new Promise((resolve) => target?.close(resolve));
});

const post = (body, headers) => fetch(`${origin}/`, { method: 'POST', body, headers });

/**
 * A new browser context with the inspector open and live: `{ context, page,
 * problems }`. `onPage(page)` runs before the page loads (to watch what it gets).
 */
async function openInspector(contextOptions = {}, onPage = () => {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems);
  onPage(page);
  await page.goto(url);
  await page.locator('#connection', { hasText: 'live' }).waitFor();
  return { context, page, problems };
}

test('deliveries appear live with their verdicts; replay, copy as curl and compose work; the secret is never sent to the page', async () => {
  const seenByPage = [];
  const { context, page, problems } = await openInspector({ viewport: { width: 1366, height: 900 } }, (opened) =>
    opened.on('response', async (response) => seenByPage.push(await response.text().catch(() => ''))),
  );
  assert.equal(page.url(), `${origin}/`, 'the token is taken out of the address bar');

  // Two deliveries while the page is open: they appear without a reload.
  const updated = sampleEvent('issue.updated');
  const good = signPayload(updated, SECRET);
  assert.equal((await post(good.body, good.headers)).status, 200);
  const tampered = good.body.replace('"issue.updated"', '"issue.created"');
  assert.equal((await post(tampered, good.headers)).status, 401);
  await page.locator('#deliveries > li').nth(1).waitFor();
  // The page lists the newest first; ids count deliveries from 1.
  const first = page.locator('#deliveries > li[data-id="1"]');
  const second = page.locator('#deliveries > li[data-id="2"]');
  assert.deepEqual(await page.locator('#deliveries > li').evaluateAll((items) => items.map((item) => item.className)), ['rejected', 'accepted']);
  assert.match(await first.locator('summary').innerText(), /verified\s+issue\.updated\s*target: 200/);
  assert.match(await second.locator('summary').innerText(), /401 signature_mismatch/);
  assert.equal(received.length, 1, 'only the verified one was forwarded');

  // Details, by keyboard: focus the summary and press Enter.
  await first.locator('summary').focus();
  await page.keyboard.press('Enter');
  const details = await first.locator('.details').innerText();
  assert.match(details, /Secret matched\s+#0/);
  assert.match(details, new RegExp(`Body size\\s+${Buffer.byteLength(good.body)} bytes`));
  assert.match(details, /Forwarded\s+http:\/\/127\.0\.0\.1:\d+\/siem: 200/);
  assert.match(details, /Target answered\s+\{"ticket":"SEC-42"\}/);
  assert.deepEqual(await first.locator('ul.changes li').allInnerTexts(), updated.data.eventData.changes);
  assert.deepEqual(JSON.parse(await first.locator('pre.payload').innerText()).data, updated.data);
  await second.locator('summary').click();
  assert.match(await second.locator('.details').innerText(), /Hint\s+Check the secret/);
  // A rejected delivery shows the start of its body, and is neither replayed nor copied.
  assert.match(await second.locator('.details').innerText(), /Body, its first 256 bytes/);
  assert.equal(await second.locator('pre.preview').innerText(), Buffer.from(tampered).subarray(0, 256).toString());
  assert.equal(await second.locator('button.replay').isDisabled(), true);
  assert.equal(await second.locator('button.copy').isDisabled(), true);

  // Replay: the same bytes and signature reach the target again.
  await first.locator('button.replay').click();
  await first.locator('.result', { hasText: 'replayed: serve answered 200' }).waitFor();
  assert.equal(received.length, 2);
  assert.equal(received[1].body, good.body);
  assert.equal(received[1].headers['x-promptfoo-signature'], good.headers['X-Promptfoo-Signature']);

  // Copy as curl: the command, run by a shell, is a delivery serve accepts again.
  await first.locator('button.copy').click();
  const curl = await first.locator('pre.curl').innerText();
  await promisify(execFile)('sh', ['-c', curl]);
  assert.equal(received.length, 3);
  assert.equal(received[2].body, good.body);

  // Compose: an edited issue.created, signed by serve, reaches the target.
  await page.selectOption('#compose-event', 'issue.created');
  const composed = JSON.parse(await page.inputValue('#compose-payload'));
  composed.data.issue.severity = 'critical';
  composed.data.issue.id = 'composed-1';
  await page.fill('#compose-payload', JSON.stringify(composed, null, 2));
  await page.locator('#compose-send').click();
  await page.locator('#compose-result', { hasText: 'sent: serve answered 200' }).waitFor();
  const sent = received.at(-1);
  const event = verify(sent.body, sent.headers['x-promptfoo-signature'], SECRET, { toleranceSeconds: 300 });
  assert.equal(event.data.issue.id, 'composed-1');
  assert.equal(event.data.issue.severity, 'critical');
  // Replays and composed events were verified by serve too: five entries.
  await page.locator('#deliveries > li').nth(4).waitFor();
  assert.equal(await page.locator('#deliveries > li.accepted').count(), 4);
  // What serve signed is listed, but with no curl command: that would carry its signature.
  const composedEntry = page.locator('#deliveries > li[data-id="5"]');
  assert.match(await composedEntry.locator('summary').innerText(), /verified\s+issue\.created\s*target: 200/);
  assert.equal(await composedEntry.locator('button.copy').isDisabled(), true);
  assert.equal(await composedEntry.locator('button.replay').isDisabled(), false);

  if (process.env.PROMPTFOO_WEBHOOKS_SCREENSHOT) {
    // The first delivery open, the rest closed: what the README shows.
    await page.evaluate(() => document.querySelectorAll('#deliveries details').forEach((details) => (details.open = false)));
    await first.locator('details').evaluate((details) => (details.open = true));
    await page.screenshot({ path: process.env.PROMPTFOO_WEBHOOKS_SCREENSHOT, fullPage: false });
  }

  assert.deepEqual(problems, []);
  const everything = [await page.content(), ...seenByPage].join('\n');
  assert.ok(!everything.includes(SECRET), 'the secret reached the page');
  assert.ok(!everything.includes(createHmac('sha256', 'x').update(SECRET).digest('hex')));
  assert.ok(!everything.includes(createHmac('sha256', SECRET).update(sent.body).digest('hex')), "the composed delivery's signature reached the page");
  assert.ok(!everything.includes(token), 'the token is in no answer the page got');
  await context.close();
});

test("a delivery serve verified and the target refused shows both: serve's verdict in green, the target's 400 and code in red", async () => {
  const { context, page, problems } = await openInspector();
  const old = sampleEvent('issue.created');
  old.data.issue.id = 'refused-by-target';
  const { body, headers } = signPayload(old, SECRET);
  assert.equal((await post(body, headers)).status, 400, "the sender gets the target's answer");
  const entry = page.locator('#deliveries > li').first();
  await entry.locator('summary', { hasText: 'timestamp_outside_window' }).waitFor();
  const summary = await entry.locator('summary').innerText();
  assert.match(summary, /verified\s+issue\.created\s*target: 400 timestamp_outside_window/);
  assert.doesNotMatch(summary, /accepted/);
  const colour = (selector) => entry.locator(selector).evaluate((node) => getComputedStyle(node).color);
  const green = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accepted').trim());
  const red = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--rejected').trim());
  const rgb = (hex) => `rgb(${[1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)).join(', ')})`;
  assert.equal(await colour('.verdict'), rgb(green), "serve's verdict: verified");
  assert.equal(await colour('.target'), rgb(red), "the target's answer: a refusal");
  await entry.locator('summary').click();
  const details = await entry.locator('.details').innerText();
  assert.match(details, /Verdict\s+verified by serve/);
  assert.match(details, /Forwarded\s+http:\/\/127\.0\.0\.1:\d+\/siem: 400 timestamp_outside_window/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a delivery's text is shown as text: markup in a payload is not run", async () => {
  const { context, page } = await openInspector();
  const hostile = sampleEvent('issue.created');
  hostile.data.issue.id = '<img src=x onerror="window.__pwned=1">';
  const { body, headers } = signPayload(hostile, SECRET);
  await post(body, headers);
  const entry = page.locator('#deliveries > li').first();
  await entry.locator('summary', { hasText: 'issue.created' }).waitFor();
  await entry.locator('summary').click();
  assert.match(await entry.locator('pre.payload').innerText(), /<img src=x onerror/);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('img').count(), 0);
  await context.close();
});

test('a reload keeps the page working: the token stays in the tab, out of the address bar', async () => {
  const { context, page, problems } = await openInspector();
  await page.reload();
  await page.locator('#connection', { hasText: 'live' }).waitFor();
  assert.equal(page.url(), `${origin}/`);
  // The reload's GET / had no token: a 401 page, which went back to the URL with it once
  // (the reload also cut the old page's event stream, and Chromium logs the 401).
  assert.deepEqual(problems.filter((problem) => !/ERR_ABORTED|status of 401/.test(problem)), [`HTTP 401: ${origin}/`]);
  // A fresh tab has no token: it stays on that page.
  const fresh = await context.newPage();
  const refused = await fresh.goto(`${origin}/`);
  assert.equal(refused.status(), 401);
  assert.match(await fresh.locator('body').innerText(), /Open the inspector at the URL serve --ui printed/);
  await context.close();
});

/** A raw request with chosen Host and Origin headers (fetch does not let you set Host). */
function rawRequest(path, { method = 'GET', host, origin, token, body } = {}) {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const headers = { Host: host ?? `127.0.0.1:${port}` };
    if (origin) headers.Origin = origin;
    if (token) headers['X-Inspector-Token'] = token;
    if (body) headers['Content-Type'] = 'application/json';
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the page and its endpoints refuse a foreign Host (DNS rebinding), a foreign Origin and a missing or wrong token', async () => {
  const { port } = new URL(url);
  const page = `/?token=${token}`;
  assert.equal((await rawRequest(page)).status, 200);
  assert.equal((await rawRequest('/')).status, 401, 'the page, without the token');
  assert.equal((await rawRequest(page, { host: `localhost:${port}` })).status, 200);
  assert.equal((await rawRequest(page, { host: `attacker.example:${port}` })).status, 403);
  assert.equal((await rawRequest('/_promptfoo-webhooks/events', { host: `attacker.example:${port}`, token })).status, 403);
  const replay = { method: 'POST', body: JSON.stringify({ id: 1 }) };
  assert.equal((await rawRequest('/_promptfoo-webhooks/replay', { ...replay, origin: 'http://attacker.example', token })).status, 403);
  assert.equal((await rawRequest('/_promptfoo-webhooks/replay', replay)).status, 401, 'no token');
  assert.equal((await rawRequest('/_promptfoo-webhooks/replay', { ...replay, token: token.replace(/.$/, (c) => (c === '0' ? '1' : '0')) })).status, 401, 'a wrong token');
  const before = received.length;
  const allowed = await rawRequest('/_promptfoo-webhooks/replay', { ...replay, origin: `http://127.0.0.1:${port}`, token });
  assert.equal(allowed.status, 200, allowed.text);
  assert.equal(received.length, before + 1);
  // Deliveries are still POSTs to any path, whatever their Host (a tunnel's).
  const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
  const delivered = await new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/any/path', method: 'POST', headers: { ...headers, Host: 'tunnel.example' } }, (res) => resolve(res.statusCode));
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(delivered, 200);
});
