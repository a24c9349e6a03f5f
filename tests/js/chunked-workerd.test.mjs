// Bodies without a Content-Length (chunked) in real workerd: the package
// reads them into a buffer that grows up to the limit plus one byte
// (readAtLeast), so what it accepts, refuses and times out must be what it
// does for the same body with a length, and a body over the limit must be
// refused at the byte past it. The Worker is tests/js/support/chunked-worker.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from 'promptfoo-webhooks';
import { serveWorker } from './support/workerd.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER_ENTRY = join(ROOT, 'tests/js/support/chunked-worker.js');
const SECRET = randomBytes(32).toString('hex'); // hex: no escaping in the capnp config
const BODY_TIMEOUT_MS = 300; // as in the Worker
// 8 KiB: the first 4 KiB buffer, then one grown to the limit plus one byte.
// 300,000: grown three times (4 KiB, 32 KiB, 256 KiB, then the limit plus one byte).
const LIMITS = [8 * 1024, 300_000];
const vectors = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/events.json'), 'utf8'));

let workerd;

before(async () => {
  workerd = await serveWorker(WORKER_ENTRY, { bindings: { PROMPTFOO_WEBHOOK_SECRET: SECRET } });
  assert.equal(workerd.packageEntry, 'pkg/dist/workerd.js');
});

after(() => workerd?.stop());

/** A valid event of exactly `bytes` bytes, padded through a field the schema passes through. */
function sized(bytes) {
  const payload = structuredClone(vectors[0].payload);
  payload.data.issue.padding = '';
  const bare = Buffer.byteLength(JSON.stringify(payload));
  payload.data.issue.padding = 'x'.repeat(bytes - bare);
  const body = Buffer.from(JSON.stringify(payload));
  assert.equal(body.byteLength, bytes);
  return body;
}

const headersFor = (body) => ({ 'content-type': 'application/json', 'x-promptfoo-signature': sign(body, SECRET) });

/**
 * POSTs `body` to `path`, chunked (no Content-Length) unless `declared`, in
 * pieces of `chunk` bytes written `delayMs` apart; unless `end`, the
 * request never ends. Resolves to `{ status, json }` once the Worker answers.
 */
function post(path, body, { declared = false, chunk = body.byteLength, delayMs = 0, end = true, headers = headersFor(body) } = {}) {
  return new Promise((resolve, reject) => {
    const length = declared ? { 'content-length': String(body.byteLength) } : {};
    const request = httpRequest(new URL(path, workerd.url), { method: 'POST', headers: { ...headers, ...length } });
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      let text = '';
      response.setEncoding('utf8').on('data', (part) => (text += part));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode, json: JSON.parse(text) });
      });
      response.on('error', reject);
    });
    // The Worker may answer, and close, before the last piece is out.
    request.on('error', (error) => answered || reject(error));
    let offset = 0;
    const writeMore = () => {
      if (answered) return;
      if (offset >= body.byteLength) return end ? request.end() : undefined;
      const piece = body.subarray(offset, offset + chunk);
      offset += piece.byteLength;
      request.write(piece, () => (delayMs > 0 ? setTimeout(writeMore, delayMs) : writeMore()));
    };
    writeMore();
  });
}

// A body the Worker refuses before its end goes in paced pieces: its answer
// then arrives before the connection it closes fails a write.
const PACED = { chunk: 16 * 1024, delayMs: 2 };

const readsAtLeast = async () => (await (await fetch(new URL('/reads', workerd.url))).json()).readsAtLeast;

for (const limit of LIMITS) {
  test(`limit ${limit}: a chunked body under the limit and exactly at it verifies, read with readAtLeast`, async () => {
    for (const size of [600, limit - 1, limit]) {
      const body = sized(size);
      const readsBefore = await readsAtLeast();
      assert.deepEqual((await post(`/verify?limit=${limit}`, body)).json, { event: 'issue.created' }, `${size} bytes`);
      assert.ok((await readsAtLeast()) > readsBefore, `${size} bytes: read with readAtLeast`);
      assert.deepEqual(await post(`/handler?limit=${limit}`, body), { status: 200, json: { received: 'issue.created' } }, `${size} bytes`);
    }
  });

  test(`limit ${limit}: one byte over is refused as a declared length is, at the byte past the limit`, async () => {
    const over = sized(limit + 1);
    const expected = `body of ${limit + 1} bytes exceeds the limit of ${limit} bytes`;
    assert.deepEqual((await post(`/verify?limit=${limit}`, over, PACED)).json, { code: 'body_too_large', message: expected });
    const chunked = await post(`/handler?limit=${limit}`, over, PACED);
    const declared = await post(`/handler?limit=${limit}`, over, { ...PACED, declared: true });
    assert.equal(chunked.status, 413);
    assert.equal(chunked.json.error, 'body_too_large');
    assert.deepEqual([chunked.status, chunked.json.error], [declared.status, declared.json.error]);
    // Far over: the read stops at the limit plus one byte, not at the end of the piece that crossed it.
    const far = Buffer.alloc(3 * limit, 0x20);
    assert.deepEqual((await post(`/verify?limit=${limit}`, far, PACED)).json, { code: 'body_too_large', message: expected });
  });

  test(`limit ${limit}: a body in many small chunks, some apart in time, verifies whole`, async () => {
    const body = sized(Math.min(limit, 40_000));
    const answer = await post(`/verify?limit=${limit}`, body, { chunk: 7, delayMs: 0 });
    assert.deepEqual(answer.json, { event: 'issue.created' });
    // Pieces apart in time reach the Worker as separate reads of the network stream.
    const small = sized(2000);
    assert.deepEqual((await post(`/verify?limit=${limit}`, small, { chunk: 97, delayMs: 2 })).json, { event: 'issue.created' });
    // One byte changed on the way is caught: the whole body was verified, not a piece of it.
    const tampered = Buffer.from(body);
    tampered[tampered.byteLength - 3] ^= 1;
    assert.equal((await post(`/verify?limit=${limit}`, tampered, { chunk: 7, headers: headersFor(body) })).json.code, 'signature_mismatch');
  });

  test(`limit ${limit}: a caller's own stream without a length, a byte stream or not, in small chunks`, async () => {
    for (const type of ['bytes', 'default']) {
      for (const size of [limit, 1500]) {
        const body = sized(size);
        const answer = await post(`/rebuilt?limit=${limit}&chunk=333&type=${type}`, body, { declared: true });
        assert.deepEqual(answer.json, { event: 'issue.created' }, `${type}, ${size} bytes`);
      }
      const over = await post(`/rebuilt?limit=${limit}&chunk=333&type=${type}`, Buffer.alloc(limit + 1, 0x20), { declared: true });
      assert.equal(over.json.code, 'body_too_large', type);
    }
  });
}

test('a chunked body that never ends is refused at bodyTimeoutMs: body_timeout (408)', { timeout: 10_000 }, async () => {
  const body = sized(2000);
  const started = Date.now();
  const verify = await post(`/verify?limit=${LIMITS[0]}`, body.subarray(0, 500), { end: false, headers: headersFor(body) });
  assert.equal(verify.json.code, 'body_timeout');
  assert.ok(Date.now() - started >= BODY_TIMEOUT_MS - 20, `answered after ${Date.now() - started} ms`);
  // Past the first buffer, while it grows: still bounded in time.
  const bigger = sized(LIMITS[1] - 10);
  const handler = await post(`/handler?limit=${LIMITS[1]}`, bigger.subarray(0, 50_000), { end: false, headers: headersFor(bigger) });
  assert.deepEqual([handler.status, handler.json.error], [408, 'body_timeout']);
});
