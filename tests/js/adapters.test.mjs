// The adapters against the real frameworks on 127.0.0.1: createNodeMiddleware
// on node:http and Express 5 (raw and after express.json()), createFetchHandler
// on Hono through @hono/node-server, and a simulated Workers ctx.waitUntil.
// Every endpoint gets the same deliveries: valid, tampered, oversized (declared
// and chunked), malformed, wrong Content-Type, GET.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import {
  createFetchHandler,
  createNodeMiddleware,
  generateSecret,
  sign,
  signPayload,
  SIGNATURE_HEADER,
  Webhooks,
  WebhookHandlerError,
} from 'promptfoo-webhooks';
import { sampleEvents } from '../../js-examples/sender.mjs';

const SECRET = generateSecret();
const LIMIT = 1024; // maxBodyBytes for every endpoint here
const [CREATED, UPDATED] = sampleEvents(Date.parse('2025-03-14T12:34:56.000Z'));

// ---------------------------------------------------------------- helpers

const post = (url, body, headers) => fetch(url, { method: 'POST', body, headers });

/** A signed delivery of `text` (any text, JSON or not). */
const signed = (text) => ({
  body: text,
  headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: sign(text, SECRET) },
});

/** Listens on 127.0.0.1 with a request listener (a node:http handler or an Express app). */
async function listen(listener) {
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

/** Sends a chunked body (no Content-Length) that never ends; resolves with the status and whether the server hung up. */
function chunkedUpload(url, signature) {
  const { port, pathname } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let response = '';
    let closedByServer = false;
    const finish = () => resolve({ status: Number(response.split(' ')[1]), closedByServer });
    const timer = setTimeout(() => {
      socket.destroy();
      finish();
    }, 2000);
    socket.on('connect', () => {
      socket.write(
        `POST ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Transfer-Encoding: chunked\r\n${SIGNATURE_HEADER}: ${signature}\r\n\r\n`,
      );
      for (let i = 0; i < 64; i++) socket.write(`200\r\n${' '.repeat(512)}\r\n`);
    });
    socket.on('data', (chunk) => (response += chunk));
    socket.on('error', () => {}); // a reset after the answer is a hang-up too
    socket.on('close', () => {
      closedByServer = true;
      clearTimeout(timer);
      finish();
    });
  });
}

/**
 * The deliveries every endpoint must answer the same way. `received` is the
 * list the endpoint's handler pushes verified events to.
 */
async function expectStandardAnswers(url, received, { expectHangUp = true } = {}) {
  const before = received.length;

  // valid -> 200, and the handler saw the typed event
  const good = signPayload(CREATED, SECRET);
  let response = await post(url, good.body, good.headers);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { received: 'issue.created' });
  assert.equal(received.length, before + 1);
  assert.equal(received.at(-1).data.issue.severity, 'high');

  // tampered -> 401
  response = await post(url, good.body.replace('"high"', '"low"'), good.headers);
  assert.equal(response.status, 401);
  assert.equal((await response.json()).error, 'signature_mismatch');

  // missing signature -> 401
  response = await post(url, good.body, { 'Content-Type': 'application/json' });
  assert.equal(response.status, 401);
  assert.equal((await response.json()).error, 'missing_signature');

  // oversized with a Content-Length -> 413, refused before reading
  const big = signed(JSON.stringify({ ...CREATED, pad: 'x'.repeat(LIMIT) }));
  response = await post(url, big.body, big.headers);
  assert.equal(response.status, 413);
  assert.equal((await response.json()).error, 'body_too_large');

  // oversized and chunked, never finished -> 413 mid-stream
  const upload = await chunkedUpload(url, big.headers[SIGNATURE_HEADER]);
  assert.equal(upload.status, 413);
  if (expectHangUp) assert.ok(upload.closedByServer, 'the server closed the connection instead of draining it');

  // authentic but malformed -> 400
  const notJson = signed('{"event":');
  response = await post(url, notJson.body, notJson.headers);
  assert.equal(response.status, 400);
  assert.equal((await response.json()).error, 'invalid_json');
  const notPayload = signed('{"hello":"world"}');
  response = await post(url, notPayload.body, notPayload.headers);
  assert.equal(response.status, 400);
  assert.equal((await response.json()).error, 'invalid_payload');

  // wrong Content-Type -> 415
  response = await post(url, good.body, { ...good.headers, 'Content-Type': 'text/plain' });
  assert.equal(response.status, 415);
  assert.equal((await response.json()).error, 'unsupported_media_type');

  // GET -> 405
  response = await fetch(url);
  assert.equal(response.status, 405);
  assert.equal(response.headers.get('allow'), 'POST');
  assert.equal((await response.json()).error, 'method_not_allowed');

  // none of the rejected deliveries reached a handler
  assert.equal(received.length, before + 1);
}

// ---------------------------------------------------------------- node:http

test('node:http + createNodeMiddleware: statuses, bounded reads, handler sees the event', async () => {
  const received = [];
  const server = await listen(createNodeMiddleware(SECRET, { maxBodyBytes: LIMIT, onEvent: (e) => received.push(e) }));
  try {
    await expectStandardAnswers(`${server.origin}/any/path`, received);
  } finally {
    await server.close();
  }
});

test('node:http: `path` answers 404 elsewhere; a handler error still answers 200 and reaches onError', async () => {
  const errors = [];
  const middleware = createNodeMiddleware(SECRET, {
    path: '/hook',
    onEvent: () => {
      throw new Error('database down');
    },
    onError: (error, event) => errors.push([error, event]),
  });
  const server = await listen(middleware);
  try {
    const { body, headers } = signPayload(CREATED, SECRET);
    assert.equal((await post(`${server.origin}/other`, body, headers)).status, 404);
    const response = await post(`${server.origin}/hook?source=promptfoo`, body, headers);
    assert.equal(response.status, 200);
    assert.equal(errors.length, 1);
    const [error, event] = errors[0];
    assert.ok(error instanceof WebhookHandlerError);
    assert.equal(error.errors[0].message, 'database down');
    assert.equal(event.event, 'issue.created');
  } finally {
    await server.close();
  }
});

test('node:http: a secret function gets process.env, once', async () => {
  process.env.TEST_PROMPTFOO_SECRET = SECRET;
  let calls = 0;
  const received = [];
  const middleware = createNodeMiddleware(
    (env) => {
      calls++;
      return env.TEST_PROMPTFOO_SECRET;
    },
    { onEvent: (e) => received.push(e) },
  );
  const server = await listen(middleware);
  try {
    for (const payload of [CREATED, UPDATED]) {
      const { body, headers } = signPayload(payload, SECRET);
      assert.equal((await post(server.origin, body, headers)).status, 200);
    }
    assert.equal(calls, 1);
    assert.deepEqual(received.map((e) => e.event), ['issue.created', 'issue.updated']);
  } finally {
    await server.close();
    delete process.env.TEST_PROMPTFOO_SECRET;
  }
});

// ---------------------------------------------------------------- Express 5

test('Express 5: the middleware on a route reads the raw body itself', async () => {
  const received = [];
  const webhooks = new Webhooks({ secret: SECRET, maxBodyBytes: LIMIT }).onAny((e) => received.push(e));
  const app = express();
  app.post('/webhooks/promptfoo', createNodeMiddleware(webhooks));
  app.get('/webhooks/promptfoo', createNodeMiddleware(webhooks)); // so a GET reaches it: 405
  const server = await listen(app);
  try {
    await expectStandardAnswers(`${server.origin}/webhooks/promptfoo`, received);
  } finally {
    await server.close();
  }
});

test('Express 5: app.use with `path` passes other routes to next()', async () => {
  const received = [];
  const app = express();
  app.use(createNodeMiddleware(SECRET, { path: '/hook', maxBodyBytes: LIMIT, onEvent: (e) => received.push(e) }));
  app.use(express.json());
  app.post('/other', (req, res) => res.json({ other: req.body.event }));
  const server = await listen(app);
  try {
    await expectStandardAnswers(`${server.origin}/hook`, received);
    const { body, headers } = signPayload(CREATED, SECRET);
    const other = await post(`${server.origin}/other`, body, headers);
    assert.equal(other.status, 200);
    assert.deepEqual(await other.json(), { other: 'issue.created' });
  } finally {
    await server.close();
  }
});

test('Express 5: express.raw() on the route first: its Buffer is verified as is', async () => {
  const received = [];
  const app = express();
  app.post('/hook', express.raw({ type: 'application/json' }), createNodeMiddleware(SECRET, { onEvent: (e) => received.push(e) }));
  const server = await listen(app);
  try {
    const { body, headers } = signPayload(UPDATED, SECRET);
    assert.equal((await post(`${server.origin}/hook`, body, headers)).status, 200);
    assert.deepEqual(received[0].data.eventData.changes, ['status changed to fixed', 'severity changed to low']);
    assert.equal((await post(`${server.origin}/hook`, body.replace('fixed', 'open'), headers)).status, 401);
  } finally {
    await server.close();
  }
});

test('Express 5: express.json() first: parsed_body_mismatch with a mounting hint, 200 with allowParsedBody', async () => {
  const errors = [];
  const strict = express();
  strict.use(express.json());
  strict.post('/hook', createNodeMiddleware(SECRET, { onError: (error) => errors.push(error) }));
  const lenientReceived = [];
  const lenient = express();
  lenient.use(express.json());
  lenient.post('/hook', createNodeMiddleware(SECRET, { allowParsedBody: true, onEvent: (e) => lenientReceived.push(e) }));
  const [strictServer, lenientServer] = await Promise.all([listen(strict), listen(lenient)]);
  try {
    const { body, headers } = signPayload(CREATED, SECRET);

    const refused = await post(`${strictServer.origin}/hook`, body, headers);
    assert.equal(refused.status, 500, 'the receiver is mounted wrongly: not the sender’s fault');
    const answer = await refused.json();
    assert.equal(answer.error, 'parsed_body_mismatch');
    assert.match(answer.hint, /before express\.json\(\)/);
    assert.match(answer.hint, /express\.raw/);
    assert.equal(errors.length, 1, 'the set-up error is reported to onError');
    assert.equal(errors[0].code, 'parsed_body_mismatch');

    const accepted = await post(`${lenientServer.origin}/hook`, body, headers);
    assert.equal(accepted.status, 200);
    assert.equal(lenientReceived[0].data.issue.id, CREATED.data.issue.id);
    const tampered = await post(`${lenientServer.origin}/hook`, body.replace('"high"', '"low"'), headers);
    assert.equal(tampered.status, 401);
    // The parsed form of a body that is not what JSON.stringify prints (whitespace) cannot verify.
    const pretty = JSON.stringify(CREATED, null, 2);
    const prettyAnswer = await post(`${lenientServer.origin}/hook`, pretty, signed(pretty).headers);
    assert.equal(prettyAnswer.status, 401);
  } finally {
    await Promise.all([strictServer.close(), lenientServer.close()]);
  }
});

test('node:http: a body consumed by earlier code without req.body is parsed_body_mismatch', async () => {
  const middleware = createNodeMiddleware(SECRET, { onError: () => {} });
  const server = await listen(async (req, res) => {
    for await (const chunk of req) void chunk; // someone read the stream and kept nothing
    await middleware(req, res);
  });
  try {
    const { body, headers } = signPayload(CREATED, SECRET);
    const response = await post(server.origin, body, headers);
    assert.equal(response.status, 500);
    assert.equal((await response.json()).error, 'parsed_body_mismatch');
  } finally {
    await server.close();
  }
});

// ---------------------------------------------------------------- Hono

test('Hono on @hono/node-server: createFetchHandler with c.req.raw and with the Context itself', async () => {
  const received = [];
  const webhooks = new Webhooks({ secret: SECRET, maxBodyBytes: LIMIT }).onAny((e) => received.push(e));
  const handler = createFetchHandler(webhooks);
  const app = new Hono();
  app.all('/raw', (c) => handler(c.req.raw, c.env)); // no executionCtx on Node: handlers are awaited
  app.all('/context', handler);
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  try {
    // @hono/node-server decides itself what to do with an unread request body.
    await expectStandardAnswers(`${origin}/raw`, received, { expectHangUp: false });
    await expectStandardAnswers(`${origin}/context`, received, { expectHangUp: false });
  } finally {
    await new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  }
});

test('Hono app.request(): the same handler without a server', async () => {
  const received = [];
  const app = new Hono();
  app.post('/hook', createFetchHandler(SECRET, { onEvent: (e) => received.push(e) }));
  const { body, headers } = signPayload(UPDATED, SECRET);
  const ok = await app.request('/hook', { method: 'POST', body, headers });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { received: 'issue.updated' });
  const bad = await app.request('/hook', { method: 'POST', body: body.replace('fixed', 'open'), headers });
  assert.equal(bad.status, 401);
  assert.equal(received.length, 1);
});

test('createFetchHandler reads a request\'s method and headers once: the method it checked is the one it used', async () => {
  const { body, headers } = signPayload(UPDATED, SECRET);
  const handler = createFetchHandler(SECRET, { logger: false });
  /** A Request whose getters count their reads; `methods` are what `method` answers, read after read. */
  const counted = (methods) => {
    const request = new Request('http://127.0.0.1/hook', { method: 'POST', body, headers });
    const reads = { method: 0, headers: 0 };
    const proxy = new Proxy(request, {
      get(target, key) {
        if (key === 'method') return methods[Math.min(reads.method++, methods.length - 1)];
        if (key === 'headers') reads.headers += 1;
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return { proxy, reads };
  };
  const good = counted(['POST']);
  const answer = await handler(good.proxy);
  assert.equal(answer.status, 200);
  assert.deepEqual(await answer.json(), { received: 'issue.updated' });
  assert.deepEqual(good.reads, { method: 1, headers: 1 });
  // A getter that answers POST once, then GET: judged by the one read.
  const shifty = counted(['GET', 'POST']);
  assert.equal((await handler(shifty.proxy)).status, 405);
  assert.deepEqual(shifty.reads, { method: 1, headers: 1 });
});

// ---------------------------------------------------------------- Workers

test('Workers: with ctx.waitUntil the 200 comes before a slow handler finishes', { timeout: 5000 }, async () => {
  const steps = [];
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const webhooks = new Webhooks({ secret: (env) => env.PROMPTFOO_WEBHOOK_SECRET });
  webhooks.on('issue.created', async (event) => {
    steps.push(`handler started ${event.event}`);
    await gate;
    steps.push('handler finished');
  });
  const handler = createFetchHandler(webhooks);
  const env = { PROMPTFOO_WEBHOOK_SECRET: SECRET };
  const pending = [];
  const ctx = { waitUntil: (promise) => pending.push(promise) };

  const { body, headers } = signPayload(CREATED, SECRET);
  const response = await handler(new Request('https://worker.example/hook', { method: 'POST', body, headers }), env, ctx);
  steps.push(`answered ${response.status}`);
  assert.equal(pending.length, 1);
  release();
  await Promise.all(pending);
  assert.deepEqual(steps, ['handler started issue.created', 'answered 200', 'handler finished']);
});

test('Workers: a handler that throws after acceptance is reported, never a 5xx', async () => {
  const reported = [];
  const webhooks = new Webhooks({ secret: SECRET })
    .on('issue.created', async () => {
      throw new Error('SIEM unreachable');
    })
    .onError((error) => reported.push(error));
  const handler = createFetchHandler(webhooks);
  const pending = [];
  const { body, headers } = signPayload(CREATED, SECRET);
  const response = await handler(new Request('https://w/', { method: 'POST', body, headers }), {}, { waitUntil: (p) => pending.push(p) });
  assert.equal(response.status, 200);
  await Promise.all(pending);
  assert.equal(reported.length, 1);
  assert.equal(reported[0].errors[0].message, 'SIEM unreachable');
});

test('Workers: a chunked body past the limit is cut off with 413; a bad secret binding is a 500', async () => {
  const handler = createFetchHandler(SECRET, { maxBodyBytes: LIMIT });
  let sent = 0;
  const endless = new ReadableStream({
    pull(controller) {
      sent += 256;
      controller.enqueue(new TextEncoder().encode(' '.repeat(256)));
    },
  });
  const request = new Request('https://w/', {
    method: 'POST',
    body: endless,
    duplex: 'half',
    headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: 'a'.repeat(64) },
  });
  const response = await handler(request);
  assert.equal(response.status, 413);
  assert.ok(sent <= LIMIT + 512, `stopped reading after ${sent} bytes`);

  const misconfigured = createFetchHandler((env) => env.MISSING, { onError: () => {} });
  const { body, headers } = signPayload(CREATED, SECRET);
  const answer = await misconfigured(new Request('https://w/', { method: 'POST', body, headers }), { MISSING: '' });
  assert.equal(answer.status, 500);
  assert.equal((await answer.json()).error, 'invalid_secret');
});

test('adapters: options that belong to the router are refused when given a router', () => {
  const webhooks = new Webhooks({ secret: SECRET });
  assert.throws(() => createNodeMiddleware(webhooks, { maxBodyBytes: 10 }), { code: 'invalid_options' });
  assert.throws(() => createFetchHandler(webhooks, { onEvent: () => {} }), { code: 'invalid_options' });
  assert.throws(() => createFetchHandler(SECRET, { path: 'hook' }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => createNodeMiddleware('   '), { code: 'invalid_secret' });
});
