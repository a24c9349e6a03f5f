// The adapters' side of the inbox, on any Node (the SQLite backend's own
// tests run on Node 24: tests/inbox/): what is answered when the inbox
// records or cannot, what is refused as options, the clear error where
// node:sqlite is missing, and the bound on the answer without an inbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createFetchHandler, createInboxWorker, createNodeMiddleware, sampleEvent, signPayload, SqliteInbox } from 'promptfoo-webhooks';

const SECRET = 'inbox-flow-secret-0123456789abcdef';
const POLICY = { concurrency: 8, leaseMs: 30_000, maxAttempts: 3, retryBaseMs: 1000, retryMaxMs: 60_000, pollMs: 10_000 };

/** An inbox in memory with the backend interface, which a test can make fail. */
function memoryInbox() {
  const entries = [];
  return {
    policy: POLICY,
    failing: false,
    entries,
    async record(delivery) {
      if (this.failing) throw new Error('disk full');
      const known = entries.find((entry) => entry.dedupeKey === delivery.dedupeKey);
      if (known) return { id: known.id, duplicate: true };
      entries.push({ ...delivery, id: entries.length + 1, claimed: false });
      return { id: entries.length, duplicate: false };
    },
    async claim(worker, limit) {
      const due = entries.filter((entry) => !entry.claimed).slice(0, limit);
      for (const entry of due) entry.claimed = true;
      return due.map((entry) => ({ ...entry, attempt: 1 }));
    },
    async renew() {
      return true;
    },
    async ack(id) {
      entries[id - 1].done = true;
    },
    async fail(id, worker, outcome) {
      entries[id - 1].failed = outcome;
    },
  };
}

const send = (handler, delivery, extra = {}) =>
  handler(new Request('http://receiver.test/', { method: 'POST', body: delivery.body, headers: { ...delivery.headers, ...extra } }));

test('with an inbox: 200 once recorded, a repeat is the same entry, handlers get the attempt and the entry id', async () => {
  const inbox = memoryInbox();
  const seen = [];
  const handler = createFetchHandler(SECRET, { inbox, onEvent: (event, context) => void seen.push([event.event, context]), logger: false });
  const delivery = signPayload(sampleEvent('issue.created'), SECRET);
  const first = await send(handler, delivery, { 'X-Webhook-Id': 'wh_1' });
  assert.equal(first.status, 200);
  assert.deepEqual(await first.json(), { received: 'issue.created' });
  // The same delivery again, its signature in upper case: one entry.
  const again = await send(handler, { ...delivery, headers: { ...delivery.headers, 'X-Promptfoo-Signature': delivery.headers['X-Promptfoo-Signature'].toUpperCase() } });
  assert.deepEqual(await again.json(), { received: 'issue.created', duplicate: true });
  assert.equal(inbox.entries.length, 1);
  const [entry] = inbox.entries;
  assert.equal(new TextDecoder().decode(entry.body), delivery.body);
  assert.equal(entry.dedupeKey, delivery.headers['X-Promptfoo-Signature']);
  assert.equal(entry.orderKey, sampleEvent('issue.created').data.issue.id);
  assert.equal(entry.webhookId, 'wh_1');
  while (!entry.done) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(seen.length, 1);
  assert.equal(seen[0][0], 'issue.created');
  assert.deepEqual({ ...seen[0][1], receivedAt: 0 }, { attempt: 1, entryId: 1, receivedAt: 0, webhookId: 'wh_1' });
});

test('an inbox that cannot record is a 503 inbox_unavailable, never a 200, and the error reaches onError', async () => {
  const inbox = memoryInbox();
  inbox.failing = true;
  const errors = [];
  const handler = createFetchHandler(SECRET, { inbox, onError: (error) => errors.push(error), onEvent: () => assert.fail('no handler runs') });
  const response = await send(handler, signPayload(sampleEvent('issue.created'), SECRET));
  assert.equal(response.status, 503);
  assert.equal((await response.json()).error, 'inbox_unavailable');
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(errors[0]?.message, 'disk full');
});

test('a handler that fails makes the worker fail the entry, with the next attempt time', async () => {
  const inbox = memoryInbox();
  const handler = createFetchHandler(SECRET, { inbox, onEvent: () => Promise.reject(new Error('ticket tracker down')), logger: false });
  await send(handler, signPayload(sampleEvent('issue.created'), SECRET));
  while (inbox.entries[0].failed === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
  const { failed } = inbox.entries[0];
  assert.equal(failed.dead, false);
  assert.ok(failed.nextAttemptAt > Date.now(), 'a retry is scheduled in the future');
  assert.match(String(failed.error), /ticket tracker down/);
});

test('inbox options are checked; SqliteInbox says what to do where node:sqlite is missing', () => {
  assert.throws(() => createNodeMiddleware(SECRET, { inbox: {} }), { code: 'ERR_INVALID_ARG_TYPE', message: /SqliteInbox/ });
  assert.throws(() => createNodeMiddleware(SECRET, { onDead: () => {} }), { code: 'invalid_options', message: /needs an inbox/ });
  assert.throws(() => createNodeMiddleware(SECRET, { inbox: memoryInbox(), answerWithinMs: 100 }), { code: 'invalid_options' });
  for (const bad of [-1, 9001, 1.5, '100']) assert.throws(() => createNodeMiddleware(SECRET, { answerWithinMs: bad }), { code: 'invalid_options' });
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 13)) return; // node:sqlite is there: tests/inbox/ covers it
  assert.throws(() => new SqliteInbox('/tmp/never-created.db'), { code: 'invalid_options', message: /Node 22\.13 or later/ });
});

test('without an inbox a slow handler holds the answer answerWithinMs at most, and still finishes', async () => {
  let finished = false;
  const middleware = createNodeMiddleware(SECRET, {
    answerWithinMs: 200,
    onEvent: async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      finished = true;
    },
  });
  const server = createServer(middleware);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${server.address().port}/`, { method: 'POST', body, headers });
    const waited = performance.now() - started;
    assert.equal(response.status, 200);
    assert.ok(waited >= 190 && waited < 1000, `answered after ${waited} ms`);
    assert.equal(finished, false);
    while (!finished) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a worker stopped while it claims runs nothing it claimed (the leases lapse to the next worker)', async () => {
  let release;
  const claimed = new Promise((resolve) => (release = resolve));
  const inbox = {
    ...memoryInbox(),
    claim: () => claimed,
  };
  let ran = 0;
  const worker = createInboxWorker({ inbox, onEvent: () => void ran++, logger: false });
  await new Promise((resolve) => setTimeout(resolve, 10)); // the first claim is under way
  const stopping = worker.stop();
  const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
  release([{ id: 1, attempt: 1, receivedAt: Date.now(), webhookId: undefined, signature: headers['X-Promptfoo-Signature'], body: new TextEncoder().encode(body) }]);
  await stopping;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(ran, 0);
});
