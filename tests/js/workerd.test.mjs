// The example Cloudflare Worker (js-examples/cloudflare-worker) on the real
// workerd runtime: bundled the way wrangler bundles it (the package's
// "workerd" export condition, the wasm left as a separate module), served by
// `workerd serve` on 127.0.0.1, and sent real signed deliveries over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER_ENTRY = join(ROOT, 'js-examples/cloudflare-worker/src/index.js');
const WASM = join(ROOT, 'pkg/dist/wasm/core_bg.wasm');
const WORKERD = join(ROOT, 'node_modules/.bin/workerd');
const STARTUP_TIMEOUT_MS = 20_000;
// The Worker's own limit (MAX_BODY_BYTES in its src/index.js).
const MAX_BODY_BYTES = 64 * 1024;

// A fresh secret per run; hex, so it needs no escaping inside the capnp config.
const SECRET = randomBytes(32).toString('hex');
const vectors = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/events.json'), 'utf8'));
const invalidPayloads = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/invalid-payloads.json'), 'utf8'));

const hmac = (body, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

let workDir;
let workerd;
let workerdStderr = '';
let baseUrl;

/** Bundles the Worker as wrangler would and returns the wasm path its bundle imports. */
async function bundleWorker(outDir) {
  await build({
    entryPoints: [WORKER_ENTRY],
    outfile: join(outDir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    // workerd compiles the wasm itself, as a module of the Worker.
    external: ['*.wasm'],
    logLevel: 'warning',
  });
  const bundle = readFileSync(join(outDir, 'worker.js'), 'utf8');
  const imported = bundle.match(/^import \w+ from ["'](\.\/[^"']+\.wasm)["'];?$/m);
  assert.ok(imported, 'the bundle imports the wasm module (the package\'s workerd build was picked)');
  return imported[1].slice(2);
}

function workerdConfig({ port, wasmPath }) {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .receiver)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const receiver :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "${wasmPath}", wasm = embed "${wasmPath}"),
  ],
  bindings = [(name = "PROMPTFOO_WEBHOOK_SECRET", text = "${SECRET}")],
  compatibilityDate = "2024-09-23",
);
`;
}

/** A port that was free a moment ago (the OS picks it; workerd binds it next). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once workerd answers HTTP; rejects if it exits or never answers. */
async function waitUntilServing(url) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastError;
  while (Date.now() < deadline) {
    if (workerd.exitCode !== null || workerd.signalCode !== null) {
      throw new Error(`workerd exited (${workerd.exitCode ?? workerd.signalCode}) before serving`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`workerd did not answer within ${STARTUP_TIMEOUT_MS} ms: ${lastError?.cause?.code ?? lastError}`);
}

function stopWorkerd() {
  if (workerd && workerd.exitCode === null && workerd.signalCode === null) workerd.kill('SIGKILL');
}

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'promptfoo-webhooks-workerd-'));
  const wasmPath = await bundleWorker(workDir);
  mkdirSync(dirname(join(workDir, wasmPath)), { recursive: true });
  copyFileSync(WASM, join(workDir, wasmPath));

  const port = await freePort();
  writeFileSync(join(workDir, 'config.capnp'), workerdConfig({ port, wasmPath }));
  baseUrl = `http://127.0.0.1:${port}/`;

  workerd = spawn(WORKERD, ['serve', 'config.capnp'], { cwd: workDir, stdio: ['ignore', 'ignore', 'pipe'] });
  workerd.stderr.setEncoding('utf8').on('data', (chunk) => (workerdStderr += chunk));
  // Never leave workerd behind, even if this process dies without running after().
  process.on('exit', stopWorkerd);
  try {
    await waitUntilServing(baseUrl);
  } catch (error) {
    stopWorkerd();
    error.message += `\n--- workerd stderr ---\n${workerdStderr}`;
    throw error;
  }
});

after(async () => {
  if (workerd && workerd.exitCode === null && workerd.signalCode === null) {
    const exited = new Promise((resolve) => workerd.once('exit', resolve));
    workerd.kill('SIGTERM');
    const timer = setTimeout(stopWorkerd, 5000);
    await exited;
    clearTimeout(timer);
  }
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
    assert.fail(`HTTP ${response.status}: not JSON: ${text}\n--- workerd stderr ---\n${workerdStderr}`);
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
