// The package's browser build in real headless Chromium: a static server on
// 127.0.0.1 serves the repository, the harness page js-examples/browser/
// runs the API in the page, and this test rechecks what the page computed
// against node:crypto and Node's own JSON.stringify(JSON.parse()).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, watchPage } from './support/chromium.mjs';
import { startStaticServer } from './support/static-server.mjs';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const PAGE = '/js-examples/browser/index.html';
const RESULTS_TIMEOUT_MS = 20_000;

let server;
let baseUrl;
let browser;
let results;
const pageProblems = []; // page errors, console errors and failed requests, each a line

before(async () => {
  server = await startStaticServer(ROOT);
  baseUrl = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
  const page = await browser.newPage();
  watchPage(page, pageProblems);

  await page.goto(baseUrl + PAGE);
  try {
    await page.waitForFunction(() => window.__results !== undefined, null, { timeout: RESULTS_TIMEOUT_MS });
  } catch (error) {
    error.message += `\n${pageProblems.join('\n')}`;
    throw error;
  }
  // Stringified in the page: JSON.stringify escapes lone surrogates, so the
  // canonicalize inputs and outputs reach Node intact.
  results = JSON.parse(await page.evaluate(() => JSON.stringify(window.__results)));
});

after(async () => {
  await browser?.close();
  await new Promise((resolveClosed) => (server ? server.close(resolveClosed) : resolveClosed()));
});

test('the page ran without page errors, console errors or failed requests', () => {
  assert.deepEqual(pageProblems, []);
  assert.equal(results.error, undefined, results.error);
  assert.match(results.userAgent, /Chrome\//);
});

test('every check the page shows passed', () => {
  assert.ok(results.checks.length >= 15, `${results.checks.length} checks`);
  const failed = results.checks.filter((c) => !c.ok);
  assert.deepEqual(failed, []);
  assert.equal(results.ok, true);
});

test('signatures made in the page equal node:crypto HMAC-SHA256 over the same body', () => {
  assert.match(results.secret, /^[0-9a-f]{64}$/);
  assert.equal(results.deliveries.length, 4);
  for (const { name, body, signature } of results.deliveries) {
    assert.equal(signature, createHmac('sha256', results.secret).update(body).digest('hex'), name);
  }
  // The non-ASCII weakness text made it into the signed body as UTF-8.
  assert.ok(results.deliveries[0].body.includes('caf\u00e9 \u{1f600}'));
});

test('the page verified each delivery from a string, bytes and a Request', () => {
  const names = results.deliveries.map((d) => d.verifiedEvent.event);
  assert.deepEqual(names, ['issue.created', 'issue.status_changed', 'issue.severity_changed', 'issue.updated']);
  for (const { name, body, verifiedEvent, verifiedFromBytes, verifiedFromRequest } of results.deliveries) {
    const sent = JSON.parse(body);
    assert.deepEqual(verifiedEvent, sent, name);
    assert.deepEqual(verifiedFromBytes, sent, name);
    assert.deepEqual(verifiedFromRequest, sent, name);
  }
  const updated = JSON.parse(results.deliveries[3].body);
  assert.deepEqual(updated.data.eventData.changes, ['status changed to fixed', 'severity changed to low']);
  assert.equal(updated.data.userId, 'user-123');
});

test('the tampered body was rejected with signature_mismatch', () => {
  assert.equal(results.tampered.code, 'signature_mismatch');
  assert.equal(results.tampered.isWebhookVerificationError, true);
  assert.ok(results.tampered.hint.length > 10);
  assert.ok(!results.tampered.hint.includes(results.secret));
});

test('canonicalize in Chromium equals Node\'s JSON.stringify(JSON.parse()), lone surrogates included', () => {
  assert.ok(results.canonical.length >= 6);
  assert.ok(results.canonical.some(({ input }) => !input.isWellFormed()), 'some input holds a raw lone surrogate');
  for (const { input, output } of results.canonical) {
    assert.equal(output, JSON.stringify(JSON.parse(input)), JSON.stringify(input));
  }
  assert.deepEqual(
    results.rejected.map((r) => r.code),
    results.rejected.map(() => 'invalid_json'),
  );
  for (const { input } of results.rejected) assert.throws(() => JSON.parse(input));
});

test('the static server is read-only, confined to the repository and sends the right MIME types', async () => {
  const get = (path, init) => fetch(baseUrl + path, init);
  assert.equal((await get('/pkg/dist/browser.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await get('/pkg/dist/wasm/core_bg.wasm')).headers.get('content-type'), 'application/wasm');
  assert.equal((await get('/js-examples/browser/')).headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal((await get('/..%2fetc%2fpasswd')).status, 403);
  assert.equal((await get('/%2e%2e/%2e%2e/etc/passwd')).status, 404); // URL parsing already folded the `..`
  assert.equal((await get('/no/such/file')).status, 404);
  assert.equal((await get(PAGE, { method: 'POST', body: 'x' })).status, 405);
});
