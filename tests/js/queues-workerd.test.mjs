// CloudflareQueueInbox and createQueueConsumer in real workerd, with a local
// queue: workerd's bundled Queues Worker (`bundled = "/workerd/queues.js"`,
// behind --experimental), which speaks the producer binding's protocol,
// calls the consumer's queue() handler through a service binding, retries
// with the delay each message asks for, and moves a message out of
// attempts to its dead-letter queue, as Cloudflare does. The Worker is
// tests/js/support/queues-worker.js; the consumer's settings are
// production's names: max_retries 2 (three attempts), a dead-letter queue,
// max_batch_timeout 1 s. Then, in Node: the consumer's retry delays and
// options against a fake batch, and dedupe in front of the queue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudflareQueueInbox, createFetchHandler, createQueueConsumer, MemoryReplayStore, signPayload, Webhooks } from 'promptfoo-webhooks';
import { bundleWorker, freePort, startWorkerd } from './support/workerd.mjs';

const WORKER_ENTRY = fileURLToPath(new URL('./support/queues-worker.js', import.meta.url));
const SECRET = randomBytes(32).toString('hex'); // hex: no escaping in the capnp config
const MAX_RETRIES = 2;
// Each queue's consumer, as wrangler.toml's [[queues.consumers]] says it (the bundled Worker's names).
const CONSUMERS = {
  deliveries: { consumer: 'RECEIVER', maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: MAX_RETRIES, deadLetterQueue: 'deliveries-dead' },
  'deliveries-dead': { consumer: 'RECEIVER', maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 3 },
};

let dir;
let workerd;
let url;

const capnpText = (value) => JSON.stringify(value); // a JSON string is a capnp Text literal

function config(modules, port) {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .receiver),
    (name = "queues", worker = .queues),
    (name = "queue-store", disk = (path = "queue-store", writable = true)),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const receiver :Workerd.Worker = (
  ${modules},
  bindings = [
    (name = "PROMPTFOO_WEBHOOK_SECRET", text = "${SECRET}"),
    (name = "PROMPTFOO_DELIVERIES", queue = (name = "queues", props = (json = ${capnpText(JSON.stringify({ queue: 'deliveries' }))}))),
  ],
  compatibilityDate = "2024-09-23",
);

const queues :Workerd.Worker = (
  modules = [(name = "queues.js", bundled = "/workerd/queues.js")],
  bindings = [
    (name = "SHARD", durableObjectNamespace = "QueueShard"),
    (name = "RECEIVER", service = "main"),
    (name = "CONSUMERS", json = ${capnpText(JSON.stringify(CONSUMERS))}),
  ],
  durableObjectNamespaces = [(className = "QueueShard", uniqueKey = "promptfoo-webhooks-test-queues", enableSql = true)],
  durableObjectStorage = (localDisk = "queue-store"),
  compatibilityDate = "2024-09-23",
  compatibilityFlags = ["service_binding_extra_handlers"],
);
`;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'queues-workerd-'));
  mkdirSync(join(dir, 'queue-store'));
  const { modules, packageEntry } = await bundleWorker(WORKER_ENTRY, dir);
  assert.equal(packageEntry, 'pkg/dist/workerd.js');
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), config(modules, port));
  // The bundled Queues Worker needs --experimental.
  workerd = await startWorkerd(dir, port, { experimental: true });
  url = workerd.url;
});

after(async () => {
  await workerd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const unique = (prefix) => `${prefix}${randomBytes(6).toString('hex')}`;
const payload = (issue, event = 'issue.created', eventData = {}) => ({
  event,
  timestamp: new Date().toISOString(),
  data: { issue: { id: issue, status: 'open', severity: 'high' }, eventData },
});

async function post(path, { body, headers }) {
  const response = await fetch(new URL(path, url), { method: 'POST', body, headers });
  return { status: response.status, json: await response.json() };
}

const readLog = async () => (await fetch(new URL('/log', url))).json();

/** The log once `done(log)` holds (polled), or a failure with the log after `ms`. */
async function logWhen(done, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const log = await readLog();
    if (done(log)) return log;
    if (Date.now() > deadline) assert.fail(`timed out; log: ${JSON.stringify(log, null, 1)}\n${workerd.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const handledOf = (log, issue) => log.filter((e) => e.kind === 'handled' && e.issue === issue);
const answerOf = (log, status) => log.filter((e) => e.kind === 'answer' && e.status === status);

test('an acknowledged delivery reaches queue() as a typed event, attempt 1, with the entry id the receiver was told', async () => {
  const issue = unique('ok-');
  const signed = signPayload(payload(issue), SECRET);
  signed.headers['X-Webhook-Id'] = 'wh-queues';
  const before = Date.now();
  const answer = await post('/hook', signed);
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.json, { received: 'issue.created' });
  const log = await logWhen((l) => handledOf(l, issue).length === 1);
  const [handled] = handledOf(log, issue);
  assert.equal(handled.event, 'issue.created');
  assert.equal(handled.typed, 'string'); // the parsed event, not bytes
  assert.equal(handled.attempt, 1);
  assert.equal(handled.webhookId, 'wh-queues');
  assert.ok(handled.receivedAt >= before - 1000 && handled.receivedAt <= handled.start, `receivedAt ${handled.receivedAt}`);
  assert.match(handled.entryId, /^[0-9a-f]{32}$/);
  const told = answerOf(log, 200).map((e) => e.entry);
  assert.ok(told.some((entry) => entry.id === handled.entryId && entry.duplicate === false), JSON.stringify(told));
  // Nothing failed, so nothing was retried.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(handledOf(await readLog(), issue).length, 1);
});

test('a handler failing its first attempt is retried: attempt 2 arrives after the retry delay, and is the last', async () => {
  const issue = unique('flaky-');
  assert.equal((await post('/hook', signPayload(payload(issue), SECRET))).status, 200);
  const log = await logWhen((l) => handledOf(l, issue).length === 2);
  const [first, second] = handledOf(log, issue);
  assert.deepEqual([first.attempt, second.attempt], [1, 2]);
  assert.equal(first.entryId, second.entryId);
  // The policy's delay, rounded up to Queues' whole seconds: one second.
  assert.ok(second.start - first.end >= 900, `attempt 2 came ${second.start - first.end} ms after attempt 1`);
  assert.ok(log.some((e) => e.kind === 'handler-error' && e.message.endsWith(`${issue} failed attempt 1`)), 'onError heard of the failure');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const later = await readLog();
  assert.equal(handledOf(later, issue).length, 2);
  assert.ok(!later.some((e) => e.kind === 'dead' && e.issue === issue));
});

test('a poison delivery is tried max_retries + 1 times, then onDead hears of it from the dead-letter queue', async () => {
  const issue = unique('poison-');
  assert.equal((await post('/hook', signPayload(payload(issue), SECRET))).status, 200);
  const log = await logWhen((l) => l.some((e) => e.kind === 'dead' && e.issue === issue), 20_000);
  const attempts = handledOf(log, issue);
  assert.deepEqual(attempts.map((e) => e.attempt), [1, 2, 3]);
  const [dead] = log.filter((e) => e.kind === 'dead' && e.issue === issue);
  assert.equal(dead.id, attempts[0].entryId);
  assert.equal(dead.signature, 'string');
  assert.match(dead.message, /failed every attempt its queue allows/);
  assert.ok(log.some((e) => e.kind === 'logged' && e.text.includes(`entry ${dead.id} is dead (in deliveries-dead)`)));
  // Once onDead returned, the dead letter is acked: told once.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal((await readLog()).filter((e) => e.kind === 'dead' && e.issue === issue).length, 1);
});

test('onDead that throws is tried again', async () => {
  const issue = unique('grave-');
  assert.equal((await post('/hook', signPayload(payload(issue), SECRET))).status, 200);
  const log = await logWhen((l) => l.filter((e) => e.kind === 'dead' && e.issue === issue).length === 2, 25_000);
  const told = log.filter((e) => e.kind === 'dead' && e.issue === issue);
  assert.deepEqual(told.map((e) => e.attempt), [1, 2]);
  assert.ok(log.some((e) => e.kind === 'logged' && e.text.includes('onDead threw; it is tried again')));
});

test('within a batch, the messages about one issue run one after another', async () => {
  const issue = unique('slow-');
  // Both are sent within the batch timeout (1 s), so they arrive in one batch.
  const created = post('/hook', signPayload(payload(issue, 'issue.created'), SECRET));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const updated = post('/hook', signPayload(payload(issue, 'issue.updated', { changes: ['severity changed to low'] }), SECRET));
  assert.deepEqual([(await created).status, (await updated).status], [200, 200]);
  const log = await logWhen((l) => handledOf(l, issue).length === 2);
  const [first, second] = handledOf(log, issue);
  assert.deepEqual([first.event, second.event], ['issue.created', 'issue.updated']);
  assert.ok(second.start >= first.end, `issue.updated started ${first.end - second.start} ms before issue.created ended`);
});

test('a repeated delivery is a second message with the same entry id', async () => {
  const issue = unique('repeat-');
  const signed = signPayload(payload(issue), SECRET);
  const answers = [await post('/hook', signed), await post('/hook', signed)];
  assert.deepEqual(answers.map((a) => a.status), [200, 200]);
  const log = await logWhen((l) => handledOf(l, issue).length === 2);
  const [a, b] = handledOf(log, issue);
  assert.equal(a.entryId, b.entryId);
  assert.deepEqual([a.attempt, b.attempt], [1, 1]);
});

test('without the producer binding, a verified delivery is a 503 inbox_unavailable, never 200, and onError says why', async () => {
  const issue = unique('unbound-');
  const answer = await post('/unbound', signPayload(payload(issue), SECRET));
  assert.equal(answer.status, 503);
  assert.equal(answer.json.error, 'inbox_unavailable');
  const log = await readLog();
  assert.ok(
    log.some((e) => e.kind === 'receiver-error' && e.code === 'invalid_options' && e.message.includes('no Cloudflare Queue producer binding')),
    JSON.stringify(log.filter((e) => e.kind === 'receiver-error')),
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(handledOf(await readLog(), issue).length, 0);
});

test('a delivery larger than a queue message may be (128 KB) is a 503 inbox_unavailable', async () => {
  const issue = unique('large-');
  const answer = await post('/hook', signPayload(payload(issue, 'issue.created', { blob: 'x'.repeat(200_000) }), SECRET));
  assert.equal(answer.status, 503);
  assert.equal(answer.json.error, 'inbox_unavailable');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(handledOf(await readLog(), issue).length, 0);
});

// ---------------------------------------------------------------- in Node, against a fake batch

/** A message as Queues hands it over, carrying what CloudflareQueueInbox sent; records its ack or retry. */
async function fakeMessage(attempts) {
  let sent;
  const inbox = new CloudflareQueueInbox((env) => env.Q);
  const { body } = signPayload(payload('fake-1'), SECRET);
  const entry = { body: new TextEncoder().encode(body), signature: 'ab'.repeat(32), webhookId: undefined, receivedAt: Date.now(), dedupeKey: 'ab'.repeat(32), orderKey: 'fake-1' };
  await inbox.record(entry, { Q: { send: async (message) => (sent = message) } });
  const message = { id: 'm1', body: structuredClone(sent), attempts, settled: [] };
  message.ack = () => message.settled.push(['ack']);
  message.retry = (options) => message.settled.push(['retry', options]);
  return message;
}

test('createQueueConsumer retries after the policy delay in whole seconds, rounded up, at most 12 hours', async () => {
  const failing = { onEvent: () => Promise.reject(new Error('down')), onError: () => {}, logger: false };
  const early = await fakeMessage(1);
  await createQueueConsumer({ ...failing, retryBaseMs: 4000 })({ queue: 'deliveries', messages: [early] });
  const [[verb, { delaySeconds }]] = early.settled;
  assert.equal(verb, 'retry');
  assert.ok(Number.isInteger(delaySeconds) && delaySeconds >= 2 && delaySeconds <= 4, `${delaySeconds}`);

  const late = await fakeMessage(30);
  const tenDays = 10 * 24 * 3600 * 1000;
  await createQueueConsumer({ ...failing, retryBaseMs: tenDays, retryMaxMs: tenDays })({ queue: 'deliveries', messages: [late] });
  assert.deepEqual(late.settled, [['retry', { delaySeconds: 12 * 3600 }]]);

  const fine = await fakeMessage(1);
  let context;
  await createQueueConsumer({ onEvent: (event, c) => (context = c) })({ queue: 'deliveries', messages: [fine] });
  assert.deepEqual(fine.settled, [['ack']]);
  assert.equal(context.attempt, 1);
  assert.equal(context.entryId, fine.body.id);
});

test('createQueueConsumer: a message CloudflareQueueInbox did not send is a failed attempt, and is logged', async () => {
  const logged = [];
  const dead = [];
  const consumer = createQueueConsumer({
    onEvent: () => {},
    deadLetterQueue: 'dead',
    onDead: (entry) => dead.push(entry),
    logger: { error: (...args) => logged.push(args.map(String).join(' ')) },
  });
  const foreign = { id: 'm2', body: 'hello', attempts: 1, settled: [] };
  foreign.ack = () => foreign.settled.push('ack');
  foreign.retry = () => foreign.settled.push('retry');
  await consumer({ queue: 'deliveries', messages: [foreign] });
  assert.deepEqual(foreign.settled, ['retry']);
  assert.match(logged.join('\n'), /entry m2 failed attempt 1 .*a queue message CloudflareQueueInbox did not send/);
  // In the dead-letter queue onDead could not read it: logged, and acked.
  foreign.settled = [];
  await consumer({ queue: 'dead', messages: [foreign] });
  assert.deepEqual(foreign.settled, ['ack']);
  assert.deepEqual(dead, []);
  assert.match(logged.at(-1), /message m2 of dead is not a delivery/);
});

test('with dedupe, a repeat is a 409 before it reaches the queue; a delivery answered 503 counts as seen', async () => {
  const sent = [];
  let down = false;
  const env = { Q: { send: async (message) => (down ? Promise.reject(new Error('queue down')) : sent.push(message)) } };
  const webhooks = new Webhooks({ secret: SECRET, dedupe: { store: new MemoryReplayStore() } });
  const handler = createFetchHandler(webhooks, { inbox: new CloudflareQueueInbox((e) => e.Q), onError: () => {} });
  const deliver = ({ body, headers }) => handler(new Request('http://127.0.0.1/', { method: 'POST', body, headers }), env);
  const once = signPayload(payload('dedupe-1'), SECRET);
  assert.equal((await deliver(once)).status, 200);
  const repeat = await deliver(once);
  assert.equal(repeat.status, 409);
  assert.equal((await repeat.json()).error, 'duplicate_delivery');
  assert.equal(sent.length, 1);
  down = true;
  const lost = signPayload(payload('dedupe-2'), SECRET);
  assert.equal((await deliver(lost)).status, 503);
  down = false;
  assert.equal((await deliver(lost)).status, 409);
  assert.equal(sent.length, 1);
});

test('createQueueConsumer refuses options Queues decides, and onDead without its dead-letter queue', () => {
  const onEvent = () => {};
  const refused = (options, pattern) => assert.throws(() => createQueueConsumer(options), (e) => e.code === 'invalid_options' && pattern.test(e.message));
  refused({ onEvent, maxAttempts: 3 }, /max_retries/);
  refused({ onEvent, leaseMs: 1000 }, /unknown option 'leaseMs'/);
  refused({ onEvent, onDead: () => {} }, /onDead and deadLetterQueue go together/);
  refused({ onEvent, deadLetterQueue: 'dead' }, /onDead and deadLetterQueue go together/);
  refused({}, /webhooks \(a router\) or onEvent/);
  assert.throws(() => new CloudflareQueueInbox(42), { code: 'ERR_INVALID_ARG_TYPE' });
});
