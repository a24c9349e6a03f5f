// A delivery's parts (the signature, the X-Webhook-Id, the declared length,
// the Content-Type) are read from a request once, whatever the adapter and
// whatever then happens to the delivery: verified, recorded in an inbox,
// sent on. Each header read is counted on the request's own headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createFetchHandler, createNodeMiddleware, sampleEvent, signPayload, Webhook, Webhooks } from 'promptfoo-webhooks';

const SECRET = 'request-parts-secret-0123456789abcdef';
const delivery = signPayload(sampleEvent('issue.created'), SECRET);
const HEADERS = {
  'content-type': 'application/json',
  'content-length': String(Buffer.byteLength(delivery.body)),
  'x-promptfoo-signature': delivery.headers['X-Promptfoo-Signature'],
  'x-webhook-id': 'wh_1',
};

/** An inbox that only records (as Cloudflare Queues does): no worker runs. */
function recordingInbox() {
  const entries = [];
  return { entries, record: async (entry) => (entries.push(entry), { id: entries.length, duplicate: false }) };
}

/** `headers` (a Fetch API Headers) with each get() counted by name. */
function countedHeaders(reads) {
  const headers = new Headers(HEADERS);
  const get = headers.get.bind(headers);
  headers.get = (name) => {
    reads[name.toLowerCase()] = (reads[name.toLowerCase()] ?? 0) + 1;
    return get(name);
  };
  return headers;
}

/** Node's header object with each read counted by name (a Proxy, as Node's object is plain). */
function countedHeaderObject(reads) {
  return new Proxy(
    { ...HEADERS },
    {
      get(target, name) {
        if (typeof name === 'string' && name in HEADERS) reads[name] = (reads[name] ?? 0) + 1;
        return target[name];
      },
    },
  );
}

const PARTS = ['content-type', 'content-length', 'x-promptfoo-signature', 'x-webhook-id'];

test('the fetch handler with an inbox reads each part once, and records what it read', async () => {
  const reads = {};
  const inbox = recordingInbox();
  const handler = createFetchHandler(SECRET, { inbox, logger: false });
  const request = new Request('http://receiver.test/', { method: 'POST', body: delivery.body, headers: HEADERS });
  // The handler takes any Request-like: this one's headers count their reads.
  const requestLike = { method: 'POST', url: request.url, headers: countedHeaders(reads), body: request.body, bodyUsed: false };
  const response = await handler(requestLike);
  assert.equal(response.status, 200);
  assert.deepEqual(
    PARTS.map((name) => [name, reads[name]]),
    PARTS.map((name) => [name, 1]),
  );
  assert.equal(inbox.entries[0].signature, HEADERS['x-promptfoo-signature']);
  assert.equal(inbox.entries[0].webhookId, 'wh_1');
});

test('the Node middleware with an inbox reads each part once from the request stream, and records what it read', async () => {
  const reads = {};
  const inbox = recordingInbox();
  const middleware = createNodeMiddleware(SECRET, { inbox, logger: false });
  const req = Object.assign(Readable.from([Buffer.from(delivery.body)]), { method: 'POST', url: '/', headers: countedHeaderObject(reads) });
  const answered = {};
  const res = {
    headersSent: false,
    writeHead(status) {
      answered.status = status;
      this.headersSent = true;
    },
    end() {},
    destroy() {},
  };
  await middleware(req, res);
  assert.equal(answered.status, 200);
  // The Content-Length is read once more after the answer is decided: whether to drain the rest of the body.
  assert.deepEqual(
    PARTS.map((name) => [name, reads[name]]),
    [['content-type', 1], ['content-length', 2], ['x-promptfoo-signature', 1], ['x-webhook-id', 1]],
  );
  assert.equal(inbox.entries[0].signature, HEADERS['x-promptfoo-signature']);
  assert.equal(inbox.entries[0].webhookId, 'wh_1');
});

test('without webhookSecrets or an inbox, the X-Webhook-Id header is never read', async () => {
  const reads = {};
  const webhook = new Webhook(SECRET);
  const request = new Request('http://receiver.test/', { method: 'POST', body: delivery.body, headers: HEADERS });
  const event = await webhook.verifyRequest({ headers: countedHeaders(reads), body: request.body });
  assert.equal(event.event, 'issue.created');
  assert.equal(reads['x-webhook-id'], undefined);
  assert.equal(reads['x-promptfoo-signature'], 1);
});

test('a router passed to an adapter keeps its own handlers and onError: the adapter drives the same router', async () => {
  const webhooks = new Webhooks({ secret: SECRET });
  const seen = [];
  const heard = [];
  webhooks.on('issue.created', (event) => {
    seen.push(event.event);
    throw new Error('handler failed');
  });
  webhooks.onError((error) => heard.push(error.name));
  const logged = [];
  const handler = createFetchHandler(webhooks, { logger: { error: (...args) => logged.push(args) } });
  const response = await handler(new Request('http://receiver.test/', { method: 'POST', body: delivery.body, headers: HEADERS }));
  assert.equal(response.status, 200);
  assert.deepEqual(seen, ['issue.created']);
  assert.deepEqual(heard, ['WebhookHandlerError']);
  // The router's onError heard it: the adapter's logger is not told twice.
  assert.deepEqual(logged, []);
});
