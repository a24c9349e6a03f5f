// Regressions from the second security review (each failed on the code
// before its fix): keys freed while a delivery still needed them (3), a
// body read past its declared length or forever (4), every id's keys
// prepared per verify() call (7), forwarded headers that were not the
// received ones (12), a repeated X-Webhook-Id taken for none and resolver
// errors passed through unwrapped (13), and the CLI's opt-in for a
// plain-http management server (6). The odd-request guard (1) is
// tests/js/odd-requests.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, webcrypto } from 'node:crypto';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import {
  createFetchHandler,
  createNodeMiddleware,
  sampleEvent,
  signPayload,
  verify,
  Webhook,
  WebhookVerificationError,
} from 'promptfoo-webhooks';
import { assertUsageError, run } from './support/cli.mjs';
import './support/sources.mjs'; // loads the wasm core the sources below use
import { setRuntimeHashProvider, runtimeHashProvider, runtimeAsyncHashProvider, webCryptoProvider } from '../../pkg/src/core/hash.js';
import { Webhook as SourceWebhook } from '../../pkg/src/verify/webhook.js';

const SECRET = 'review-two-secret-0123456789abcdef';
const secretOf = (id) => `secret-of-${id}-0123456789abcdef`;
const hmac = (secret, body) => createHmac('sha256', secret).update(body).digest('hex');

/** A Request-like whose body arrives only when `release(bytes)` is called. */
function slowRequest(headers) {
  let controller;
  const body = new ReadableStream({ start: (c) => void (controller = c) });
  const release = (bytes) => {
    controller.enqueue(bytes);
    controller.close();
  };
  return { request: { headers: new Headers(headers), body }, release };
}

async function rejectionOf(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

// ---------------------------------------------------------------- 3: key lifetime

test('keys outlive their deliveries: 300 other ids resolving while a body arrives evict nothing in use (wasm, node:crypto, WebCrypto)', async (t) => {
  const saved = [runtimeHashProvider(), runtimeAsyncHashProvider()];
  t.after(() => setRuntimeHashProvider(...saved));
  // WebCrypto behind a gate: the eviction happens while the provider works.
  let openGate;
  const webCrypto = webCryptoProvider(webcrypto.subtle);
  const gated = {
    ...webCrypto,
    verify: async (...args) => {
      await new Promise((resolve) => (openGate = resolve));
      return webCrypto.verify(...args);
    },
  };
  const paths = [
    ['wasm', undefined, undefined, 200],
    ['node:crypto', saved[0], undefined, 4000],
    ['WebCrypto', undefined, gated, 200],
  ];
  for (const [label, provider, asyncProvider, padding] of paths) {
    setRuntimeHashProvider(provider, asyncProvider);
    // toleranceSeconds: the window is judged by the keys' core after every await.
    const webhook = new SourceWebhook(undefined, { webhookSecrets: (id) => secretOf(id), toleranceSeconds: 300 });
    const event = { ...sampleEvent('issue.created'), timestamp: new Date().toISOString() };
    event.data.issue.weakness = 'x'.repeat(padding);
    const body = JSON.stringify(event);
    const { request, release } = slowRequest({
      'content-type': 'application/json',
      'x-webhook-id': 'wh_slow',
      'x-promptfoo-signature': hmac(secretOf('wh_slow'), body),
    });
    const verifying = webhook.verifyRequest(request);
    const evictAll = () => {
      for (let i = 0; i < 300; i++) {
        assert.throws(() => webhook.verify(body, '0'.repeat(64), `wh_${i}`), { code: 'signature_mismatch' });
      }
    };
    await new Promise((resolve) => setImmediate(resolve));
    evictAll(); // while the body is on its way
    release(new TextEncoder().encode(body));
    if (asyncProvider !== undefined) {
      while (openGate === undefined) await new Promise((resolve) => setImmediate(resolve));
      evictAll(); // while WebCrypto works
      openGate();
    }
    const verified = await verifying;
    assert.equal(verified.event, 'issue.created', label);
    // The evicted keys were freed once released: the webhook still verifies every id.
    assert.equal(webhook.verify(body, hmac(secretOf('wh_slow'), body), 'wh_slow').event, 'issue.created', label);
    webhook.dispose();
    openGate = undefined;
  }
});

test('a Webhook disposed while a delivery is in flight finishes that delivery, then refuses new ones', async () => {
  const webhook = new Webhook(SECRET);
  const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
  const { request, release } = slowRequest({ ...headers });
  const verifying = webhook.verifyRequest(request);
  await new Promise((resolve) => setImmediate(resolve));
  webhook.dispose();
  release(new TextEncoder().encode(body));
  assert.equal((await verifying).event, 'issue.created');
  assert.throws(() => webhook.verify(body, headers['X-Promptfoo-Signature']), { code: 'ERR_INVALID_STATE' });
});

// ---------------------------------------------------------------- 4: bounded reads

/**
 * A body stream that gives 64 KiB chunks for ever, counting what it gave:
 * a default stream, or a byte stream as runtimes give Request bodies
 * (read into one buffer when a length is declared).
 */
function endlessStream(type) {
  const stats = { given: 0, cancelled: false };
  const stream = new ReadableStream({
    type,
    pull(controller) {
      stats.given += 64 * 1024;
      controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
    },
    cancel() {
      stats.cancelled = true;
    },
  });
  return { stream, stats };
}

test('a declared length bounds the read: a longer body stops one chunk past it, body_length_mismatch (400)', { timeout: 10_000 }, async () => {
  const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
  for (const type of [undefined, 'bytes']) {
    const { stream, stats } = endlessStream(type);
    const request = {
      headers: new Headers({ ...headers, 'content-length': String(body.length) }),
      body: stream,
      arrayBuffer: () => new Response(stream).arrayBuffer(), // what the old code read whole
    };
    const error = await rejectionOf(new Webhook(SECRET).verifyRequest(request));
    assert.ok(error instanceof WebhookVerificationError);
    assert.equal(error.code, 'body_length_mismatch', type);
    assert.ok(stats.given <= 2 * 64 * 1024, `read ${stats.given} bytes`);
    assert.equal(stats.cancelled, true);
  }
  // A byte stream of exactly the declared length, in pieces, verifies.
  const third = Math.floor(body.length / 3);
  const pieces = [body.slice(0, third), body.slice(third, 2 * third), body.slice(2 * third)].map((text) => new TextEncoder().encode(text));
  const exact = new ReadableStream({
    type: 'bytes',
    pull(controller) {
      const piece = pieces.shift();
      if (piece !== undefined) return controller.enqueue(piece);
      controller.close();
      controller.byobRequest?.respond(0); // a byte source ends a pending read so
    },
  });
  const request = { headers: new Headers({ ...headers, 'content-length': String(Buffer.byteLength(body)) }), body: exact };
  assert.equal((await new Webhook(SECRET).verifyRequest(request)).event, 'issue.created');

  // Through the fetch handler: the answer is a 400, never a read of everything.
  const endless = endlessStream();
  const response = await createFetchHandler(SECRET, { logger: false })({
    method: 'POST',
    url: 'http://receiver.test/',
    headers: new Headers({ ...headers, 'content-length': '100' }),
    body: endless.stream,
    bodyUsed: false,
  });
  assert.equal(response.status, 400);
  assert.equal((await response.json()).error, 'body_length_mismatch');
  assert.ok(endless.stats.given <= 2 * 64 * 1024);
});

test('a body that never ends is refused at bodyTimeoutMs: body_timeout (408); the option is checked and refused where nothing is read', async () => {
  const { headers } = signPayload(sampleEvent('issue.created'), SECRET);
  let cancelled = false;
  const never = (type) => new ReadableStream({ type, cancel: () => void (cancelled = true) });
  const started = Date.now();
  const error = await rejectionOf(new Webhook(SECRET, { bodyTimeoutMs: 150 }).verifyRequest({ headers: new Headers(headers), body: never() }));
  assert.equal(error.code, 'body_timeout');
  assert.ok(Date.now() - started >= 140);
  assert.equal(cancelled, true);

  // A byte stream with a declared length (the one-buffer read) is bounded in time too.
  cancelled = false;
  const declaring = new Headers({ ...headers, 'content-length': '500' });
  assert.equal((await rejectionOf(new Webhook(SECRET, { bodyTimeoutMs: 100 }).verifyRequest({ headers: declaring, body: never('bytes') }))).code, 'body_timeout');
  assert.equal(cancelled, true);

  const handler = createFetchHandler(SECRET, { bodyTimeoutMs: 100, logger: false });
  const response = await handler({ method: 'POST', url: 'http://receiver.test/', headers: new Headers(headers), body: never(), bodyUsed: false });
  assert.equal(response.status, 408);
  assert.equal((await response.json()).error, 'body_timeout');

  // Over real HTTP: a client that declares more than it sends gets a 408, and the server lives on.
  const server = createServer(createNodeMiddleware(SECRET, { bodyTimeoutMs: 150, logger: false }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const answer = await new Promise((resolve, reject) => {
      const socket = connect(server.address().port, '127.0.0.1', () => {
        socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"event":`);
      });
      let text = '';
      socket.on('data', (data) => (text += data));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 408 /);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }

  for (const bad of [0, -1, 1.5, 2 ** 31, '100', null]) {
    assert.throws(() => new Webhook(SECRET, { bodyTimeoutMs: bad }), { code: 'invalid_options' });
  }
  assert.throws(() => verify('{}', 'x', SECRET, { bodyTimeoutMs: 100 }), { code: 'invalid_options', message: /verifyRequest/ });
});

// ---------------------------------------------------------------- 7 and 13: webhook ids

test('verify() with a webhookSecrets object reads the delivery\'s id only, not every id per call', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `wh_${i}`);
  const secrets = Object.fromEntries(ids.map((id) => [id, secretOf(id)]));
  const reads = [];
  const counted = new Proxy(secrets, {
    get: (target, key) => {
      reads.push(key);
      return target[key];
    },
  });
  const { body, headers } = signPayload(sampleEvent('issue.created'), secretOf('wh_4242'));
  assert.equal(verify(body, headers['X-Promptfoo-Signature'], undefined, { webhookSecrets: counted, webhookId: 'wh_4242' }).event, 'issue.created');
  assert.deepEqual(reads, ['wh_4242']);
  // Inherited names are no webhook ids.
  for (const id of ['constructor', '__proto__', 'toString']) {
    assert.throws(() => verify(body, headers['X-Promptfoo-Signature'], undefined, { webhookSecrets: secrets, webhookId: id }), { code: 'unknown_webhook' });
  }
  assert.throws(() => verify(body, 'x', SECRET, { webhookSecrets: 'wh_1=secret', webhookId: 'wh_1' }), { code: 'invalid_options' });
});

test('a repeated X-Webhook-Id names no webhook (as in Rust), and what a resolver throws comes wrapped with it as the cause', async () => {
  const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
  const signature = headers['X-Promptfoo-Signature'];
  const options = (webhookId) => ({ webhookSecrets: { wh_a: secretOf('wh_a') }, webhookId });
  // The plain secret would verify: a repeated header must not fall back to it.
  assert.throws(() => verify(body, signature, SECRET, options(['wh_a', 'wh_b'])), { code: 'unknown_webhook', message: /several/ });
  assert.throws(() => verify(body, signature, SECRET, options(['wh_a', 'wh_a'])), { code: 'unknown_webhook' });
  assert.equal(verify(body, signature, SECRET, options([])).event, 'issue.created');
  const webhook = new Webhook(SECRET, { webhookSecrets: { wh_a: secretOf('wh_a') } });
  assert.throws(() => webhook.verify(body, signature, ['wh_a', 'wh_b']), { code: 'unknown_webhook' });

  const down = new Error('secrets database is down');
  const resolver = () => {
    throw down;
  };
  for (const call of [
    () => verify(body, signature, SECRET, { webhookSecrets: resolver, webhookId: 'wh_a' }),
    () => new Webhook(SECRET, { webhookSecrets: resolver }).verify(body, signature, 'wh_a'),
  ]) {
    const error = (() => {
      try {
        call();
      } catch (thrown) {
        return thrown;
      }
    })();
    assert.ok(error instanceof WebhookVerificationError);
    assert.equal(error.code, 'invalid_options');
    assert.equal(error.cause, down);
  }
  const response = await createFetchHandler(SECRET, { webhookSecrets: resolver, logger: false })(
    new Request('http://receiver.test/', { method: 'POST', body, headers: { ...headers, 'X-Webhook-Id': 'wh_a' } }),
  );
  assert.equal(response.status, 500);
});

// ---------------------------------------------------------------- 12: forwarded headers

test('forwardTo sends on exactly the received end-to-end headers: none named in Connection, none added by fetch', async () => {
  const received = [];
  const target = createServer((req, res) => {
    received.push(req.rawHeaders);
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
  const server = createServer(createNodeMiddleware(SECRET, { forwardTo: `http://127.0.0.1:${target.address().port}/in`, logger: false }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
    const head = [
      'POST / HTTP/1.1',
      'Host: receiver.test',
      'Connection: close, X-Hop-Secret',
      'X-Hop-Secret: for-this-hop-only',
      `Content-Type: ${headers['Content-Type']}`,
      `X-Promptfoo-Signature: ${headers['X-Promptfoo-Signature']}`,
      'X-Trace: a',
      'X-Trace: b',
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    const answer = await new Promise((resolve, reject) => {
      const socket = connect(server.address().port, '127.0.0.1', () => socket.write(`${head.join('\r\n')}\r\n\r\n${body}`));
      let text = '';
      socket.on('data', (data) => (text += data));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 200 /);
    const names = [];
    const values = {};
    for (let i = 0; i < received[0].length; i += 2) {
      const name = received[0][i].toLowerCase();
      names.push(name);
      (values[name] ??= []).push(received[0][i + 1]);
    }
    assert.equal(values['x-hop-secret'], undefined);
    for (const added of ['accept', 'accept-language', 'accept-encoding', 'user-agent', 'sec-fetch-mode']) {
      assert.equal(values[added], undefined, `${added} was added`);
    }
    assert.deepEqual(values['x-trace'], ['a', 'b']);
    assert.deepEqual(values['x-promptfoo-signature'], [headers['X-Promptfoo-Signature']]);
    const endToEnd = names.filter((name) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(name));
    assert.deepEqual(endToEnd.sort(), ['content-type', 'x-promptfoo-signature', 'x-trace', 'x-trace']);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await new Promise((resolve) => target.close(resolve));
  }
});

// ---------------------------------------------------------------- 6: the CLI's plain-http opt-in

test('webhooks commands refuse a plain-http server that is not loopback, unless --allow-insecure-http', async () => {
  const token = 'cli-token-0123456789abcdef';
  const args = ['webhooks', 'event-types', '--api-url', 'http://promptfoo.invalid', '--timeout', '2'];
  const refused = await run(args, { env: { PROMPTFOO_API_TOKEN: token } });
  assertUsageError(refused, /plain http/);
  assert.doesNotMatch(refused.stderr, new RegExp(token));
  // Allowed: the request is attempted (the host does not exist: unreachable, exit 1, not a usage error).
  const attempted = await run([...args, '--allow-insecure-http'], { env: { PROMPTFOO_API_TOKEN: token } });
  assert.equal(attempted.code, 1, attempted.stderr);
  assert.doesNotMatch(attempted.stderr, new RegExp(token));
});

// ---------------------------------------------------------------- 9: options read as own properties

test('options set on a polluted Object.prototype are no options (verify, Webhook, the adapters), and errors stay ours', async () => {
  const script = `
    import { verify, Webhook, createFetchHandler, signPayload, sampleEvent } from 'promptfoo-webhooks';
    const SECRET = ${JSON.stringify(SECRET)};
    const { body, headers } = signPayload({ ...sampleEvent('issue.created'), timestamp: '2025-01-01T00:00:00.000Z' }, SECRET);
    Object.prototype.allowParsedBody = true;
    Object.prototype.toleranceSeconds = 1;
    Object.prototype.answerWithinMs = 'junk';
    Object.prototype.get = () => 1;
    const outcomes = [];
    const codeOf = (fn) => { try { fn(); return 'accepted'; } catch (error) { return error.code ?? error.name; } };
    outcomes.push(codeOf(() => verify(JSON.parse(body), headers['X-Promptfoo-Signature'], SECRET, {})));
    outcomes.push(codeOf(() => new Webhook(SECRET, {}).verify(body, headers['X-Promptfoo-Signature'])));
    outcomes.push(codeOf(() => createFetchHandler(SECRET, {})));
    outcomes.push(codeOf(() => verify(body, 'junk', SECRET)));
    console.log(JSON.stringify(outcomes));
  `;
  const { execFileSync } = await import('node:child_process');
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('.', import.meta.url), encoding: 'utf8' });
  // A parsed body still needs the option; the payload's 2025 timestamp would fail a 1 s window; junk options are not read.
  assert.deepEqual(JSON.parse(output), ['parsed_body_mismatch', 'accepted', 'accepted', 'malformed_signature']);
});

// ---------------------------------------------------------------- 1: a client gone mid-body

test("a client that leaves mid-body does not hold the Node middleware's promise for the drain's 5 s", async () => {
  const middleware = createNodeMiddleware(SECRET, { logger: false });
  let settledAfter;
  const server = createServer((req, res) => {
    const started = Date.now();
    middleware(req, res).then(() => (settledAfter = Date.now() - started));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const socket = connect(server.address().port, '127.0.0.1', () => {
      socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Promptfoo-Signature: ${'a'.repeat(64)}\r\nContent-Length: 1000\r\n\r\n{"a":`);
      setTimeout(() => socket.destroy(), 50);
    });
    socket.on('error', () => {});
    const deadline = Date.now() + 8000;
    while (settledAfter === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(settledAfter !== undefined && settledAfter < 1000, `settled after ${settledAfter} ms`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
