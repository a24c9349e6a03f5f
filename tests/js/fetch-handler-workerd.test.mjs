// createFetchHandler in real workerd: statuses for bad deliveries, routing
// through a Webhooks router, and ctx.waitUntil letting a slow handler finish
// after the 200 has gone back (Promptfoo waits at most 10 s for a 2xx).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sign, signPayload } from 'promptfoo-webhooks';
import { serveWorker } from './support/workerd.mjs';

const WORKER_ENTRY = fileURLToPath(new URL('./support/fetch-handler-worker.js', import.meta.url));
const SECRET = randomBytes(32).toString('hex'); // hex: no escaping in the capnp config
const HANDLER_DELAY_MS = 1500; // as in the Worker

let workerd;

before(async () => {
  workerd = await serveWorker(WORKER_ENTRY, { bindings: { PROMPTFOO_WEBHOOK_SECRET: SECRET } });
  assert.equal(workerd.packageEntry, 'pkg/dist/workerd.js');
});

after(() => workerd?.stop());

const issue = (id, extra = {}) => ({ id, status: 'open', severity: 'high', ...extra });
const delivery = (payload, secret = SECRET) => signPayload(payload, secret);
const post = (body, headers) => fetch(new URL('/hook', workerd.url), { method: 'POST', body, headers });

async function finishedLog() {
  return (await fetch(new URL('/log', workerd.url))).json();
}

test('a slow handler runs in ctx.waitUntil: the 200 comes back first, the handler still finishes', async () => {
  const id = `slow-${Date.now()}`;
  const { body, headers } = delivery({ event: 'issue.created', timestamp: new Date().toISOString(), data: { issue: issue(id), eventData: {} } });
  const started = Date.now();
  const response = await post(body, headers);
  const answeredAfter = Date.now() - started;
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { received: 'issue.created' });
  assert.ok(answeredAfter < HANDLER_DELAY_MS, `answered after ${answeredAfter} ms, before the ${HANDLER_DELAY_MS} ms handler`);
  assert.ok(!(await finishedLog()).some((entry) => entry.id === id), 'not finished yet when the 200 arrived');
  const deadline = Date.now() + 10_000;
  let entry;
  while (!entry && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    entry = (await finishedLog()).find((e) => e.id === id);
  }
  assert.ok(entry, 'the handler finished after the response');
  assert.ok(entry.at - started >= HANDLER_DELAY_MS - 50);
});

test('the router applies its change filter inside workerd', async () => {
  const timestamp = new Date().toISOString();
  const fixed = { event: 'issue.updated', timestamp, data: { issue: issue('u-1', { status: 'fixed' }), eventData: { changes: ['status changed to fixed'] } } };
  const other = { event: 'issue.updated', timestamp, data: { issue: issue('u-2'), eventData: { changes: ['severity changed to low'] } } };
  for (const payload of [fixed, other]) {
    const { body, headers } = delivery(payload);
    assert.equal((await post(body, headers)).status, 200);
  }
  const updates = (await finishedLog()).filter((e) => e.event === 'issue.updated');
  assert.deepEqual(updates.map((e) => e.changes), [['status changed to fixed']]);
});

test('bad deliveries get their statuses and JSON error bodies', async () => {
  const payload = { event: 'issue.created', timestamp: new Date().toISOString(), data: { issue: issue('bad'), eventData: {} } };
  const { body, headers } = delivery(payload);
  const expectations = [
    [post(body.replace('"bad"', '"evil"'), headers), 401, 'signature_mismatch'],
    [post(body, { 'Content-Type': 'application/json' }), 401, 'missing_signature'],
    [post(body, delivery(payload, 'whsec-some-other-secret-0123456789').headers), 401, 'signature_mismatch'],
    [post('x'.repeat(70 * 1024), { ...headers }), 413, 'body_too_large'],
    [post('{not json', { ...headers, 'X-Promptfoo-Signature': sign('{not json', SECRET) }), 400, 'invalid_json'],
    [post(body, { ...headers, 'Content-Type': 'text/plain' }), 415, 'unsupported_media_type'],
    [fetch(new URL('/hook', workerd.url)), 405, 'method_not_allowed'],
  ];
  for (const [pending, status, code] of expectations) {
    const response = await pending;
    assert.equal(response.status, status, code);
    assert.equal((await response.json()).error, code);
  }
});
