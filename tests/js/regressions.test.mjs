// Regressions from the security review (issue 11), one test each:
// 1. a signature is 64 hex digits in either case, with optional blanks
//    around, and nothing else, on every path; the dedupe key is the 32 bytes;
// 2. dedupe is honoured by every path that accepts it;
// 3. allowParsedBody returns exactly what was signed;
// 4. the replay window is exact to the millisecond, and the default dedupe
//    TTL covers the window plus clock slack;
// 5. wasm memory does not keep the size of a large body;
// 6. what the adapters log is an option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import {
  createFetchHandler,
  createNodeMiddleware,
  MemoryReplayStore,
  sampleEvent,
  SIGNATURE_HEADER,
  verify,
  verifySignature,
  Webhook,
  Webhooks,
} from 'promptfoo-webhooks';

const portable = createRequire(import.meta.url)('promptfoo-webhooks/portable');
const SECRET = 'whsec-regressions-0123456789abcdef';
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');
const SENT = '2025-03-14T12:34:56.000Z';
const SENT_MS = Date.parse(SENT);

/** A signed issue.created whose body is at least `size` bytes. */
function delivery(size = 0) {
  const payload = sampleEvent('issue.created', { timestamp: SENT });
  payload.data.eventData = { note: 'x'.repeat(Math.max(0, size - JSON.stringify(payload).length)) };
  const body = JSON.stringify(payload);
  return { body, signature: hmac(body) };
}

// ---------------------------------------------------------------- 1

test('1. a header whose characters only look like hex, in their low byte, never verifies', () => {
  // Node's Buffer.from(s, 'hex') reads only the low byte of each UTF-16 unit: 'š' (U+0161) reads as 'a'.
  const lookalike = (hex) => [...hex].map((c) => String.fromCharCode(c.charCodeAt(0) + 0x100)).join('');
  // Below and above the 512 B native threshold, and above a 64 KiB piece.
  for (const size of [100, 600, 2048, 70 * 1024]) {
    const { body, signature } = delivery(size);
    const forms = [lookalike(signature), signature.slice(0, 63) + 'g', `${signature.slice(0, 62)}\u0000a`, ` ${lookalike(signature)} `];
    for (const api of [{ verify, verifySignature, name: 'node' }, { ...portable, name: 'portable' }]) {
      for (const form of forms) {
        assert.throws(() => api.verify(body, form, SECRET), { code: 'malformed_signature' }, `${api.name}, ${size} B`);
        assert.equal(api.verifySignature(body, form, SECRET), false, `${api.name}, ${size} B`);
      }
      // What the contract accepts: either case, blanks around.
      for (const good of [signature, signature.toUpperCase(), ` \t${signature}\t `]) {
        assert.equal(api.verify(body, good, SECRET).event, 'issue.created', `${api.name}, ${size} B`);
      }
    }
  }
});

test('1. the dedupe key is the 32 decoded bytes: every spelling of one signature is one delivery', async () => {
  for (const size of [100, 2048]) {
    const keys = [];
    const store = new MemoryReplayStore();
    const claim = store.claim.bind(store);
    const webhook = new Webhook(SECRET, { dedupe: { store: { claim: (key, ttl) => (keys.push(key), claim(key, ttl)) } } });
    const { body, signature } = delivery(size);
    await webhook.verifyOnce(body, signature);
    for (const spelling of [signature.toUpperCase(), ` ${signature}`, `${signature.slice(0, 32).toUpperCase()}${signature.slice(32)}\t`]) {
      await assert.rejects(webhook.verifyOnce(body, spelling), { code: 'duplicate_delivery' });
    }
    assert.deepEqual(new Set(keys), new Set([`promptfoo-webhooks:${signature}`]));
  }
});

// ---------------------------------------------------------------- 2

test('2. dedupe is honoured by Webhooks.verifyAndReceive', async () => {
  const handled = [];
  const webhooks = new Webhooks({ secret: SECRET, dedupe: { store: new MemoryReplayStore() } }).onAny((e) => handled.push(e.event));
  const { body, signature } = delivery();
  await webhooks.verifyAndReceive({ body, signature });
  await assert.rejects(webhooks.verifyAndReceive({ body, signature: signature.toUpperCase() }), { code: 'duplicate_delivery' });
  assert.deepEqual(handled, ['issue.created'], 'the handlers ran once');
});

/** Starts a node:http server around `handler(req, res)`; resolves with its URL and a stop(). */
async function serve(handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

test('2. dedupe is honoured by the Node middleware whatever parsed the body, and by the fetch handler', async () => {
  const { body, signature } = delivery();
  const headers = { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: signature };
  const options = () => ({ dedupe: { store: new MemoryReplayStore() }, logger: false });
  const raw = createNodeMiddleware(SECRET, options());
  const afterRawParser = createNodeMiddleware(SECRET, options());
  const afterJsonParser = createNodeMiddleware(SECRET, { ...options(), allowParsedBody: true });
  const fetchHandler = createFetchHandler(SECRET, options());
  const servers = [
    ['the stream', await serve((req, res) => raw(req, res))],
    // express.raw() left the bytes in req.body
    ['express.raw', await serve(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      req.body = Buffer.concat(chunks);
      await afterRawParser(req, res);
    })],
    // express.json() left an object in req.body
    ['express.json', await serve(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      req.body = JSON.parse(Buffer.concat(chunks).toString());
      await afterJsonParser(req, res);
    })],
    ['the fetch handler', await serve(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const response = await fetchHandler(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers, body: Buffer.concat(chunks) }));
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(await response.text());
    })],
  ];
  try {
    for (const [label, { url }] of servers) {
      const first = await fetch(url, { method: 'POST', body, headers });
      assert.equal(first.status, 200, label);
      const repeat = await fetch(url, { method: 'POST', body, headers: { ...headers, [SIGNATURE_HEADER]: signature.toUpperCase() } });
      assert.equal(repeat.status, 409, label);
      assert.equal((await repeat.json()).error, 'duplicate_delivery', label);
    }
  } finally {
    await Promise.all(servers.map(([, server]) => server.stop()));
  }
});

test('2. an option a path cannot honour is refused with invalid_options, never ignored', () => {
  assert.throws(() => verify('{}', 'x', SECRET, { dedupe: { store: new MemoryReplayStore() } }), { code: 'invalid_options' });
  assert.throws(() => createNodeMiddleware(SECRET, { dedupeStore: {} }), { code: 'invalid_options' });
  assert.throws(() => createFetchHandler(SECRET, { tolerance: 300 }), { code: 'invalid_options' });
  // With a secret function the Webhook is made on first use; its options are checked now.
  assert.throws(() => createFetchHandler(() => SECRET, { toleranceSeconds: -1 }), { code: 'invalid_options' });
  assert.throws(() => new Webhooks({ secret: () => SECRET, maxBodyBytes: 1.5 }), { code: 'invalid_options' });
});

// ---------------------------------------------------------------- 3

test('3. allowParsedBody returns exactly what was signed: -0 and 1e999 come back as 0 and null', () => {
  const signedText = JSON.stringify({ ...sampleEvent('evaluation.completed', { timestamp: SENT }), data: { jobId: 'j', progress: { done: 0, ratio: null } } });
  const signature = hmac(signedText);
  // A body edited on the wire: JSON.parse makes -0 and Infinity, JSON.stringify prints 0 and null.
  const edited = JSON.parse(signedText.replace('"done":0', '"done":-0').replace('"ratio":null', '"ratio":1e999'));
  assert.ok(Object.is(edited.data.progress.done, -0) && edited.data.progress.ratio === Infinity);
  assert.equal(JSON.stringify(edited), signedText, 'the signature still matches');
  for (const api of [{ verify }, portable]) {
    const event = api.verify(edited, signature, SECRET, { allowParsedBody: true });
    assert.notEqual(event, edited);
    assert.ok(Object.is(event.data.progress.done, 0));
    assert.equal(event.data.progress.ratio, null);
    assert.deepEqual(event, JSON.parse(signedText));
  }
  // Even a plain parsed body that reads back as signed comes back as a fresh parse of the signed text.
  const plain = JSON.parse(signedText);
  const fresh = verify(plain, signature, SECRET, { allowParsedBody: true });
  assert.notEqual(fresh, plain);
  assert.deepEqual(fresh, plain);
  // Holes in arrays print as null: the signed text wins.
  const holey = JSON.parse(signedText);
  holey.data.progress.list = [1, , 3]; // eslint-disable-line no-sparse-arrays
  const holeyText = JSON.stringify(holey);
  assert.deepEqual(verify(holey, hmac(holeyText), SECRET, { allowParsedBody: true }).data.progress.list, [1, null, 3]);
});

// ---------------------------------------------------------------- 4

test('4. the replay window is exact to the millisecond on both sides', () => {
  const { body, signature } = delivery();
  const at = (offset) => () => verify(body, signature, SECRET, { toleranceSeconds: 300, now: SENT_MS + offset });
  for (const offset of [300_000, -300_000, 299_999, 0]) assert.equal(at(offset)().event, 'issue.created', `${offset} ms`);
  for (const offset of [300_001, -300_001, 300_999, -300_999]) {
    assert.throws(at(offset), { code: 'timestamp_outside_window', reason: offset > 0 ? 'too_old' : 'in_future' }, `${offset} ms`);
  }
  assert.throws(at(300_999), { message: /is 300\.999s old, outside the 300s window/ });
});

test('4. the default dedupe TTL covers a repeat at the far edge of the window, plus clock slack', async () => {
  const ttls = [];
  const store = { claim: (_key, ttl) => (ttls.push(ttl), true) };
  const { body, signature } = delivery();
  await new Webhook(SECRET, { toleranceSeconds: 300, now: SENT_MS, dedupe: { store } }).verifyOnce(body, signature);
  // First seen when the payload was 300 s in the future, last accepted 300 s after it was sent: 600 s apart.
  assert.ok(ttls[0] > 2 * 300, `${ttls[0]} s`);
});

// ---------------------------------------------------------------- 5

test('5. a large body leaves wasm memory as it was: bodies reach the core in pieces', async () => {
  // The package sources, which give access to the core's linear memory.
  const { Webhook: SourceWebhook } = await import('./support/sources.mjs');
  const { linear_memory } = await import('../../pkg/wasm/core.js');
  const memoryBytes = () => linear_memory().buffer.byteLength;
  const { setRuntimeHashProvider } = await import('../../pkg/src/core/hash.js');
  setRuntimeHashProvider(undefined); // the wasm HMAC alone: the body goes through wasm memory
  const MiB = 1024 * 1024;
  const webhook = new SourceWebhook(SECRET, { maxBodyBytes: 64 * MiB });
  const before = memoryBytes();
  for (const [kind, filler] of [['text', 'x'], ['UTF-8 text', 'é'], ['bytes', 'x']]) {
    const { body, signature } = delivery(0);
    const big = body.replace('"note":""', `"note":"${filler.repeat(20 * MiB)}"`);
    const input = kind === 'bytes' ? Buffer.from(big) : big;
    assert.equal(webhook.verify(input, hmac(big)).event, 'issue.created', kind);
    assert.throws(() => webhook.verify(input, hmac(`${big} `)), { code: 'signature_mismatch' }, kind);
  }
  const growth = memoryBytes() - before;
  assert.ok(growth < MiB, `wasm memory grew by ${(growth / MiB).toFixed(2)} MiB after 20 MiB bodies`);
});

// ---------------------------------------------------------------- 6

test('6. the adapters log only what no onError heard, to the logger option; logger: false logs nothing', async () => {
  const { body, signature } = delivery();
  const request = () =>
    new Request('http://127.0.0.1/', { method: 'POST', body, headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: signature } });
  const failing = () => {
    throw new Error('handler failed');
  };
  const logged = [];
  const logger = { error: (...args) => logged.push(args) };
  assert.equal((await createFetchHandler(SECRET, { onEvent: failing, logger })(request())).status, 200);
  assert.equal(logged.length, 1);
  assert.equal(logged[0][0], '[promptfoo-webhooks]');
  assert.match(logged[0][1].message, /handler failed/);

  const consoleError = console.error;
  const printed = [];
  console.error = (...args) => printed.push(args);
  try {
    assert.equal((await createFetchHandler(SECRET, { onEvent: failing, logger: false })(request())).status, 200);
    const heard = [];
    await createFetchHandler(SECRET, { onEvent: failing, onError: (error) => heard.push(error) })(request());
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(heard.length, 1);
    assert.deepEqual(printed, [], 'nothing reached console.error');
  } finally {
    console.error = consoleError;
  }
  assert.throws(() => createFetchHandler(SECRET, { logger: 'console' }), { code: 'ERR_INVALID_ARG_TYPE' });
});
