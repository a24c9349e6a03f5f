// The package's browser build in real headless Chromium: a static server on
// 127.0.0.1 serves the repository, the harness page js-examples/browser/
// runs the API in the page, and this test rechecks what the page computed
// against node:crypto and Node's own JSON.stringify(JSON.parse()).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const PAGE = '/js-examples/browser/index.html';
const CHROMIUM = '/usr/bin/chromium';
const RESULTS_TIMEOUT_MS = 20_000;

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Serves files under `root`, read-only: GET and HEAD only, and no path
 * (after decoding `..` and `%2e%2e`) may leave the root.
 */
function startStaticServer(root) {
  const server = createServer(async (req, res) => {
    const send = (status, text) => res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, 'read-only');
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      return send(400, 'bad path');
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = resolve(root, `.${pathname}`);
    if (!file.startsWith(root + sep) || pathname.includes('\0')) return send(403, 'outside the root');
    try {
      if (!(await stat(file)).isFile()) return send(404, 'not a file');
      const content = await readFile(file);
      res.writeHead(200, {
        'content-type': MIME_TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': content.byteLength,
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : content);
    } catch {
      send(404, 'not found');
    }
  });
  return new Promise((resolveListening, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListening(server));
  });
}

let server;
let baseUrl;
let browser;
let results;
const pageProblems = []; // page errors, console errors and failed requests, each a line

before(async () => {
  server = await startStaticServer(ROOT);
  baseUrl = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage();
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.stack ?? error}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageProblems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => pageProblems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400) pageProblems.push(`HTTP ${response.status()}: ${response.url()}`);
  });

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
