// The adapters' forwardTo option (what `serve --forward-to` is made of), on
// the fetch handler and the Node middleware: verified deliveries are sent
// on with their bytes and headers and the target's answer is relayed (a
// 204 without a body too); refused ones are not; the option is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createFetchHandler, createNodeMiddleware, generateSecret, sampleEvent, signPayload } from 'promptfoo-webhooks';

const SECRET = generateSecret();

/** A target on 127.0.0.1 answering `status` (and `body`), recording what it got. */
async function startTarget(status, body) {
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk)).on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'text/plain' }).end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/in`,
    received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

test('createFetchHandler forwardTo: the bytes and signature go on, the target answer comes back, a 204 included', async () => {
  for (const [status, text] of [[200, 'stored'], [204, undefined], [500, 'target broke']]) {
    const target = await startTarget(status, text);
    try {
      const answers = [];
      const handler = createFetchHandler(SECRET, { forwardTo: new URL(target.url), onAnswer: (answer) => answers.push(answer) });
      const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
      const response = await handler(new Request('http://127.0.0.1/hook', { method: 'POST', body, headers: { ...headers, 'X-Webhook-Id': 'wh_1' } }));
      assert.equal(response.status, status);
      assert.equal(await response.text(), text ?? '');
      assert.equal(target.received.length, 1);
      assert.equal(target.received[0].body, body);
      assert.equal(target.received[0].headers['x-promptfoo-signature'], headers['X-Promptfoo-Signature']);
      assert.equal(target.received[0].headers['x-webhook-id'], 'wh_1');
      assert.deepEqual(answers[0].forwarded, { url: target.url, status });
      assert.equal(answers[0].size, Buffer.byteLength(body));

      const refused = await handler(new Request('http://127.0.0.1/hook', { method: 'POST', body: body.replace('"', ' "'), headers }));
      assert.equal(refused.status, 401);
      assert.equal(target.received.length, 1, 'a refused delivery is not sent on');
    } finally {
      await target.close();
    }
  }
});

test('createNodeMiddleware forwardTo over HTTP, after express.raw-style bytes too; a dead target is a 502 forward_failed', async () => {
  const target = await startTarget(201, 'ok');
  const middleware = createNodeMiddleware(SECRET, { forwardTo: target.url, logger: false });
  const server = createServer((req, res) => middleware(req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  try {
    const { body, headers } = signPayload(sampleEvent('issue.updated'), SECRET);
    const response = await fetch(url, { method: 'POST', body, headers });
    assert.equal(response.status, 201);
    assert.equal(await response.text(), 'ok');
    assert.equal(target.received[0].body, body);
    // A body a parser left as bytes (express.raw) is sent on as it is.
    const written = {};
    const res = { headersSent: false, writeHead: (status, h) => Object.assign(written, { status, headers: h }), end: (text) => (written.text = text) };
    const req = { method: 'POST', url: '/', headers: { 'content-type': 'application/json', 'x-promptfoo-signature': headers['X-Promptfoo-Signature'] }, body: Buffer.from(body), readableEnded: true, on() {}, off() {}, pause() {}, resume() {} };
    await middleware(req, res);
    assert.equal(written.status, 201);
    assert.equal(target.received[1].body, body);
    await target.close();
    const dead = await fetch(url, { method: 'POST', body, headers });
    assert.equal(dead.status, 502);
    const answer = await dead.json();
    assert.equal(answer.error, 'forward_failed');
    assert.match(answer.message, /ECONNREFUSED/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('forwardTo must be an http(s) URL', () => {
  for (const bad of ['ftp://x.example/', 'not a url', 42, {}]) {
    assert.throws(() => createFetchHandler(SECRET, { forwardTo: bad }), { code: 'ERR_INVALID_ARG_TYPE' }, String(bad));
  }
});
