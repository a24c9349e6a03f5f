// The example Cloudflare Worker (js-examples/cloudflare-worker) on the real
// workerd runtime: bundled the way wrangler bundles it (the package's
// "workerd" export condition, the wasm left as a separate module), served by
// `workerd serve` on 127.0.0.1, and sent real signed deliveries over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorker, freePort, startWorkerd, workerdConfig } from './support/workerd.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER_ENTRY = join(ROOT, 'js-examples/cloudflare-worker/src/index.js');
// The Worker's own limit (MAX_BODY_BYTES in its src/index.js).
const MAX_BODY_BYTES = 64 * 1024;

// A fresh secret per run; hex, so it needs no escaping inside the capnp config.
const SECRET = randomBytes(32).toString('hex');
const vectors = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/events.json'), 'utf8'));
const invalidPayloads = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/invalid-payloads.json'), 'utf8'));

const hmac = (body, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

let workDir;
let workerd; // { url, stderr(), stop() }
let baseUrl;

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'promptfoo-webhooks-workerd-'));
  const { modules } = await bundleWorker(WORKER_ENTRY, workDir);
  const port = await freePort();
  writeFileSync(join(workDir, 'config.capnp'), workerdConfig({ port, modules, bindings: { PROMPTFOO_WEBHOOK_SECRET: SECRET } }));
  workerd = await startWorkerd(workDir, port);
  baseUrl = workerd.url;
});

after(async () => {
  await workerd?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** POSTs `body` (signed with `signature` unless it is null) and returns status and parsed JSON. */
async function deliver(body, { signature = hmac(body), headers = {}, method = 'POST' } = {}) {
  const response = await fetch(baseUrl, {
    method,
    body,
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-promptfoo-signature': signature }), ...headers },
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`HTTP ${response.status}: not JSON: ${text}\n--- workerd stderr ---\n${workerd.stderr()}`);
  }
  return { status: response.status, headers: response.headers, json };
}

/**
 * POSTs an endless chunked body, one 16 KiB chunk at a time, and never ends
 * the request: only a receiver that stops reading at its limit answers. The
 * receiver then closes the connection mid-upload, so write errors after the
 * answer are expected and ignored.
 */
function postChunkedUntilAnswered(signature) {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const giveUpAfter = 8 * MAX_BODY_BYTES;
    let written = 0;
    let answered = false;
    const request = httpRequest(baseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-promptfoo-signature': signature },
    });
    request.on('response', (response) => {
      answered = true;
      let text = '';
      response.setEncoding('utf8').on('data', (part) => (text += part));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode, headers: response.headers, json: JSON.parse(text), written });
      });
      response.on('error', reject);
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const writeMore = () => {
      if (answered) return;
      if (written >= giveUpAfter) {
        request.destroy();
        return reject(new Error(`no answer after ${written} bytes: the body was not cut at the limit`));
      }
      written += chunk.byteLength;
      request.write(chunk, () => setTimeout(writeMore, 5));
    };
    writeMore();
  });
}

/** Asserts the Worker's error shape: the status, the code and a message. */
function assertError(result, status, code, what) {
  assert.equal(result.status, status, `${what}: ${JSON.stringify(result.json)}`);
  assert.equal(result.json.error, code, what);
  assert.equal(typeof result.json.message, 'string', what);
  assert.ok(result.json.message.length > 0, what);
  assert.ok(!result.json.message.includes(SECRET), `${what}: the message leaks the secret`);
}

test('every event vector, signed with node:crypto, is accepted with its event name', async () => {
  assert.ok(vectors.length >= 10);
  for (const { name, payload } of vectors) {
    const result = await deliver(JSON.stringify(payload));
    assert.equal(result.status, 200, `${name}: ${JSON.stringify(result.json)}`);
    assert.deepEqual(result.json, { received: payload.event }, name);
  }
});

test('non-ASCII bodies are signed and verified over their UTF-8 bytes', async () => {
  // The signature covers the UTF-8 bytes on the wire, not the JS string.
  const body = Buffer.from(JSON.stringify(vectors[0].payload).replace('PII leak', 'PII leak \u00e9\u{1f600}'));
  const result = await deliver(body);
  assert.equal(result.status, 200, JSON.stringify(result.json));
  assert.equal(result.json.received, vectors[0].payload.event);
});

test('signature failures are 401 with their codes', async () => {
  const body = JSON.stringify(vectors[0].payload);
  const tampered = body.replace('"high"', '"low"');
  assert.notEqual(tampered, body);
  assertError(await deliver(tampered, { signature: hmac(body) }), 401, 'signature_mismatch', 'tampered body');
  assertError(await deliver(body, { signature: hmac(body, 'another-secret-0123456789') }), 401, 'signature_mismatch', 'wrong secret');
  assertError(await deliver(body, { signature: null }), 401, 'missing_signature', 'no header');
  assertError(await deliver(body, { signature: 'abc' }), 401, 'malformed_signature', 'short header');
  assertError(await deliver(body, { signature: `sha256=${hmac(body)}` }), 401, 'malformed_signature', 'prefixed header');
  // Still accepted afterwards: the reused Webhook was not disturbed by the failures.
  assert.equal((await deliver(body)).status, 200);
});

test('bodies over maxBodyBytes are 413; a body exactly at the limit is accepted', async () => {
  // A valid event padded to an exact size through a field the core passes through.
  const sized = (bytes) => {
    const payload = structuredClone(vectors[0].payload);
    payload.data.issue.padding = '';
    const bare = Buffer.byteLength(JSON.stringify(payload));
    payload.data.issue.padding = 'x'.repeat(bytes - bare);
    const body = JSON.stringify(payload);
    assert.equal(Buffer.byteLength(body), bytes);
    return body;
  };
  const atLimit = sized(MAX_BODY_BYTES);
  assert.deepEqual((await deliver(atLimit)).json, { received: vectors[0].payload.event });

  const over = sized(MAX_BODY_BYTES + 1);
  assertError(await deliver(over), 413, 'body_too_large', 'Content-Length over the limit');

  // No Content-Length (chunked): the Worker must stop reading at the limit
  // and answer while the sender is still sending.
  const result = await postChunkedUntilAnswered(hmac('irrelevant'));
  assertError(result, 413, 'body_too_large', 'chunked body over the limit');
  assert.ok(result.written > MAX_BODY_BYTES, `answered after ${result.written} bytes`);
});

test('authentic but malformed JSON is 400 invalid_json', async () => {
  for (const body of ['{"event":"issue.created"', 'not json', '']) {
    assertError(await deliver(body), 400, 'invalid_json', JSON.stringify(body));
  }
});

test('authentic JSON that is not a webhook envelope is 400 with the vector\'s code', async () => {
  const missingFields = JSON.stringify({ event: 'issue.created', timestamp: '2025-03-14T12:34:56Z' });
  assertError(await deliver(missingFields), 400, 'invalid_payload', 'no data');
  assert.ok(invalidPayloads.length >= 5);
  for (const { name, body, code } of invalidPayloads) {
    assertError(await deliver(body), 400, code, name);
  }
});

test('anything but POST is 405 with Allow: POST', async () => {
  for (const method of ['GET', 'PUT', 'DELETE']) {
    const body = method === 'GET' ? undefined : '{}';
    const result = await deliver(body, { method, signature: null });
    assertError(result, 405, 'method_not_allowed', method);
    assert.equal(result.headers.get('allow'), 'POST');
  }
});
