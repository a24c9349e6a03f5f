// RedisInbox against a real redis-server run with appendonly yes and
// appendfsync always in a temp dir: the backend contract with both common
// clients; per-issue order under random failures with two workers; a fleet
// of three receiver and two worker processes on one Redis (10,000
// deliveries, failures, a poison one); a Redis restart mid-run; a worker
// killed mid-handler; retention (done entries kept keepDoneMs, then gone;
// idle consumers leave the group); a receiver running its own worker
// killed -9 right after 100 200s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { Redis as IORedis } from 'ioredis';
import { createInboxWorker, createNodeMiddleware, generateSecret, RedisInbox, sampleEvent, signPayload } from 'promptfoo-webhooks';
import { cleanups, pool, seeded, spawnReady } from './support/processes.mjs';
import { startRedis } from './support/redis.mjs';

const SECRET = generateSecret();
const CHILD = new URL('./support/redis-inbox-child.mjs', import.meta.url).pathname;

// ---------------------------------------------------------------- helpers


/** A redis-server with an AOF (fsync always) in a fresh temp dir, both gone after the test. */
async function durableRedis(defer) {
  const aofDir = mkdtempSync(join(tmpdir(), 'pfw-redis-inbox-'));
  defer(() => rmSync(aofDir, { recursive: true, force: true }));
  const server = await startRedis({ aofDir });
  defer(() => server.stop());
  return { ...server, aofDir };
}

/** A connected node-redis client, quit after the test. */
async function nodeRedisClient(defer, url) {
  const client = createClient({ url, socket: { reconnectStrategy: 50 } });
  client.on('error', () => {}); // a restart drops the connection; it comes back by itself
  await client.connect();
  defer(() => client.destroy());
  return client;
}

async function ioredisClient(defer, port) {
  const client = new IORedis(port, '127.0.0.1', { lazyConnect: true });
  await client.connect();
  defer(() => client.disconnect());
  return client;
}

/** Polls `probe()` until it returns a truthy value (returned) or `ms` pass (then the last value). */
async function waitFor(probe, { ms = 20_000, everyMs = 50 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value || Date.now() > deadline) return value;
    await sleep(everyMs);
  }
}



const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs a delivery: its status (0 when no answer came). */
function post(url, { body, headers }, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers, agent }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('no answer')));
    req.on('error', () => resolve(0)).end(body);
  });
}

/** Delivery `n` about `issueId`: signed, distinct (n rides in data.issue.weakness), about `pad` bytes more. */
function delivery(issueId, n, pad = 0) {
  const payload = sampleEvent(n === 0 ? 'issue.created' : 'issue.updated');
  payload.data.issue.id = issueId;
  payload.data.issue.weakness = `delivery ${n}`;
  if (pad > 0) payload.data.eventData = { changes: [`notes: ${'x'.repeat(pad)}`] };
  return signPayload(payload, SECRET);
}

/** What the inbox keeps of a delivery, as the adapters give it; the same each time for one n and issue. */
const signed = new Map();
function recordOf(n, { issueId = 'contract-issue', bytes } = {}) {
  const key = `${issueId}/${n}`;
  if (!signed.has(key)) signed.set(key, delivery(issueId, n));
  const { body, headers } = signed.get(key);
  return {
    body: bytes ?? new TextEncoder().encode(body),
    signature: headers['X-Promptfoo-Signature'],
    webhookId: `wh_${n}`,
    receivedAt: Date.now(),
    dedupeKey: `dedupe-${n}-${issueId}`,
    orderKey: issueId === '' ? undefined : issueId,
  };
}

/** A receiver or worker child (support/redis-inbox-child.mjs): resolves once it is ready; SIGKILLed after the test. */
async function startChild(defer, config) {
  const { ready, child, exited, stderr } = await spawnReady(defer, CHILD, config, { env: { PFW_TEST_SECRET: SECRET }, what: config.role });
  return { url: ready.port ? `http://127.0.0.1:${ready.port}/` : undefined, child, exited, stderr };
}

const linesOf = (path) => {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  } catch {
    return [];
  }
};

// ---------------------------------------------------------------- 1. the contract

/** Everything a backend promises (sqlite.js, worker.js), step by step, on one inbox. */
async function checkContract(inbox) {
  const now = () => Date.now();
  const lease = (ms = 30_000) => [now(), now() + ms];
  const ids = (entries) => entries.map((e) => e.id);

  // record: a repeat is the same entry; bytes kept exactly, even bytes that are not UTF-8.
  const first = await inbox.record(recordOf(1));
  assert.deepEqual(await inbox.record(recordOf(1)), { id: first.id, duplicate: true });
  const second = await inbox.record(recordOf(2)); // same issue: waits behind the first
  const other = await inbox.record(recordOf(3, { issueId: 'contract-other' }));
  const binary = Uint8Array.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
  const loose = await inbox.record(recordOf(4, { issueId: '', bytes: binary }));
  assert.equal(new Set([first.id, second.id, other.id, loose.id]).size, 4);
  assert.deepEqual(await inbox.counts(), { pending: 4, leased: 0, done: 0, dead: 0 });

  // claim: due entries, the first of each issue only, attempt 1, as recorded.
  const claimed = await inbox.claim('w1', 10, ...lease());
  assert.deepEqual(ids(claimed).sort(), [first.id, other.id, loose.id].sort(), 'the second entry of an issue waits');
  const one = claimed.find((e) => e.id === first.id);
  assert.equal(one.attempt, 1);
  assert.equal(one.signature, recordOf(1).signature);
  assert.equal(one.webhookId, 'wh_1');
  assert.equal(new TextDecoder().decode(one.body), new TextDecoder().decode(recordOf(1).body));
  assert.deepEqual(claimed.find((e) => e.id === loose.id).body, binary);
  assert.deepEqual(await inbox.claim('w2', 10, ...lease()), [], 'a leased entry is not handed out again');
  assert.deepEqual(await inbox.counts(), { pending: 4, leased: 3, done: 0, dead: 0 });

  // renew: only by the holder.
  assert.equal(await inbox.renew(first.id, 'w1', now() + 30_000), true);
  assert.equal(await inbox.renew(first.id, 'w2', now() + 30_000), false);

  // ack: done; only the holder's ack counts.
  await inbox.ack(other.id, 'w2');
  assert.equal((await inbox.counts()).done, 0, 'an ack by a worker without the lease is nothing');
  await inbox.ack(other.id, 'w1');
  await inbox.ack(loose.id, 'w1');
  assert.equal(await inbox.renew(other.id, 'w1', now() + 30_000), false, 'a done entry has no lease');

  // fail with backoff: not handed out before nextAttemptAt, and its issue waits meanwhile.
  await inbox.fail(first.id, 'w1', { error: new Error('tracker down'), nextAttemptAt: now() + 300, dead: false });
  assert.deepEqual(await inbox.claim('w1', 10, ...lease()), [], 'backing off, and the second waits behind it');
  const [pendingRow] = (await inbox.list({ state: 'pending' })).filter((row) => row.id === first.id);
  assert.match(pendingRow.lastError, /tracker down/);
  assert.ok(pendingRow.nextAttemptAt > now());
  const retried = await waitFor(async () => (await inbox.claim('w1', 10, ...lease())).find((e) => e.id === first.id), { ms: 3000, everyMs: 20 });
  assert.equal(retried?.attempt, 2);

  // An expired lease (w1 stopped renewing) is claimed again by another worker, as the next attempt.
  await sleep(120);
  const [taken] = await inbox.claim('w2', 10, now(), now() + 100);
  assert.equal(taken?.id, first.id);
  assert.equal(taken.attempt, 3);
  assert.equal(await inbox.renew(first.id, 'w1', now() + 30_000), false, 'the old holder lost it');
  await inbox.ack(first.id, 'w1');
  assert.equal((await inbox.counts()).done, 2, "the old holder's ack is nothing");

  // dead: kept with lastError, out of its issue's way.
  await inbox.fail(first.id, 'w2', { error: new Error('gave up'), nextAttemptAt: now(), dead: true });
  const [next] = await inbox.claim('w2', 10, ...lease());
  assert.equal(next?.id, second.id, 'the next entry of the issue goes once the first is dead');
  await inbox.ack(second.id, 'w2');
  assert.deepEqual(await inbox.counts(), { pending: 0, leased: 0, done: 3, dead: 1 });
  const dead = await inbox.list({ state: 'dead' });
  assert.deepEqual(dead.map((row) => [row.id, row.state, row.attempts, row.issueId]), [[first.id, 'dead', 3, 'contract-issue']]);
  assert.match(dead[0].lastError, /gave up/);
  assert.deepEqual((await inbox.list()).map((row) => row.id), [loose.id, other.id, second.id, first.id], 'newest first');
  assert.deepEqual((await inbox.list({ limit: 2 })).map((row) => row.id), [loose.id, other.id]);
  assert.equal((await inbox.list({ state: 'done' })).length, 3);

  // retry('dead'): pending again from attempt 1; purgeDead removes the dead (a repeat is then a new entry).
  assert.equal(await inbox.retry('dead'), 1);
  assert.equal(await inbox.retry('dead'), 0);
  const [again] = await inbox.claim('w3', 10, ...lease());
  assert.deepEqual([again?.id, again?.attempt], [first.id, 1]);
  await inbox.fail(first.id, 'w3', { error: new Error('still broken'), nextAttemptAt: now(), dead: true });
  assert.equal(await inbox.retry(first.id), 1);
  const [third] = await inbox.claim('w3', 10, ...lease());
  await inbox.fail(third.id, 'w3', { error: new Error('broken for good'), nextAttemptAt: now(), dead: true });
  assert.equal(await inbox.purgeDead(), 1);
  assert.deepEqual(await inbox.counts(), { pending: 0, leased: 0, done: 3, dead: 0 });
  assert.deepEqual(await inbox.list({ state: 'dead' }), []);
  const reborn = await inbox.record(recordOf(1));
  assert.equal(reborn.duplicate, false);
  assert.notEqual(reborn.id, first.id);
  assert.deepEqual(await inbox.record(recordOf(2)), { id: second.id, duplicate: true }, 'a done entry still dedupes');
}

/** The worker loop on this inbox: a poison delivery is tried maxAttempts times, then dead, onDead told once. */
async function checkDeadAfterMaxAttempts(inbox) {
  const attempts = [];
  const deaths = [];
  const worker = createInboxWorker({
    inbox,
    logger: false,
    onEvent: (event, { attempt }) => {
      if (event.data.issue.id !== 'poison-issue') return; // what the contract check left pending succeeds
      attempts.push(attempt);
      throw new Error(`poison, attempt ${attempt}`);
    },
    onDead: (entry, error) => deaths.push([entry.id, error.message]),
  });
  const { id } = await inbox.record(recordOf(9, { issueId: 'poison-issue' }));
  worker.kick();
  await waitFor(() => deaths.length > 0, { ms: 5000, everyMs: 10 });
  await worker.stop();
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.deepEqual(deaths, [[id, 'poison, attempt 3']]);
  const [row] = await inbox.list({ state: 'dead' });
  assert.deepEqual([row.id, row.attempts], [id, 3]);
  assert.match(row.lastError, /poison, attempt 3/);
}

test('RedisInbox: the backend contract with node-redis, ioredis and a raw command, on one durable Redis', async (t) => {
  const defer = cleanups(t);
  const redis = await durableRedis(defer);
  const nodeRedis = await nodeRedisClient(defer, redis.url);
  const ioredis = await ioredisClient(defer, redis.port);
  const policy = { maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 20, pollMs: 10 };
  const inboxes = {
    'node-redis': new RedisInbox({ client: nodeRedis, flavor: 'node-redis', prefix: 'a:' }, policy),
    ioredis: new RedisInbox({ client: ioredis, flavor: 'ioredis', prefix: 'b:' }, policy),
    command: new RedisInbox({ command: (args) => ioredis.call(...args), prefix: 'c:' }, policy),
  };
  for (const [name, inbox] of Object.entries(inboxes)) {
    await t.test(name, async () => {
      await checkContract(inbox);
      await checkDeadAfterMaxAttempts(inbox);
      await inbox.close();
    });
  }
  // The prefixes kept the three apart, and the default one is used when none is given.
  assert.ok((await nodeRedis.keys('a:*')).length > 0 && (await nodeRedis.keys('c:*')).length > 0);
  await new RedisInbox({ client: nodeRedis, flavor: 'node-redis' }).record(recordOf(1));
  assert.ok((await nodeRedis.exists('promptfoo-webhooks:inbox:stream')) === 1);
  assert.equal(await nodeRedis.configGet('appendfsync').then((c) => c.appendfsync), 'always');
});

test('RedisInbox: bad options are refused, with the client method each flavor needs', async () => {
  assert.throws(() => new RedisInbox(), { code: 'ERR_INVALID_ARG_TYPE', message: /RedisInbox: client/ });
  assert.throws(() => new RedisInbox({ client: {} }), { message: /flavor/ });
  assert.throws(() => new RedisInbox({ client: {}, flavor: 'node-redis' }), { message: /sendCommand\(\)/ });
  assert.throws(() => new RedisInbox({ client: { sendCommand() {} }, flavor: 'ioredis' }), { message: /call\(\)/ });
  assert.throws(() => new RedisInbox({ command: () => null, client: {}, flavor: 'ioredis' }), { message: /not both/ });
  assert.throws(() => new RedisInbox({ command: () => null, timeoutMs: -1 }), { message: /timeoutMs/ });
  assert.throws(() => new RedisInbox({ command: () => null }, { maxAttempts: 0 }), { code: 'invalid_options' });
  assert.throws(() => new RedisInbox({ command: () => null }, { prefix: 'x' }), { code: 'invalid_options', message: /unknown inbox option 'prefix'/ });
  const inbox = new RedisInbox({ command: () => null });
  await assert.rejects(inbox.retry('all'), { code: 'invalid_options' });
  await assert.rejects(inbox.list({ state: 'leased' }), { code: 'invalid_options' });
  // A command that never answers: rejected at timeoutMs.
  const stuck = new RedisInbox({ command: () => new Promise(() => {}), timeoutMs: 100 });
  const started = Date.now();
  await assert.rejects(stuck.record(recordOf(1)), { code: 'ETIMEDOUT', message: /RedisInbox: no answer from Redis within 100 ms/ });
  assert.ok(Date.now() - started < 1000);
});

// ---------------------------------------------------------------- 2. order

test('RedisInbox: per-issue order and one at a time, with seeded random failures, two workers, issues in parallel', async (t) => {
  const defer = cleanups(t);
  const redis = await durableRedis(defer);
  const ISSUES = 6;
  const EVENTS = 20;
  const policy = { retryBaseMs: 10, retryMaxMs: 40, pollMs: 5, maxAttempts: 30, concurrency: 4 };
  const receiving = new RedisInbox({ client: await nodeRedisClient(defer, redis.url), flavor: 'node-redis' }, policy);
  const server = createServer(createNodeMiddleware(SECRET, { inbox: receiving, processInbox: false, logger: false }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${server.address().port}/`;

  const random = seeded(0x0bde7);
  const log = []; // { kind: 'start' | 'end' | 'fail', issueId, n, entryId, worker }
  const runningByIssue = new Map();
  let running = 0;
  let maxRunning = 0;
  let maxOneIssue = 0;
  const onEvent = (worker) => async (event, { entryId }) => {
    const issueId = event.data.issue.id;
    const n = Number(event.data.issue.weakness.slice('delivery '.length));
    const note = (kind) => log.push({ kind, issueId, n, entryId, worker });
    note('start');
    running++;
    runningByIssue.set(issueId, (runningByIssue.get(issueId) ?? 0) + 1);
    maxRunning = Math.max(maxRunning, running);
    maxOneIssue = Math.max(maxOneIssue, runningByIssue.get(issueId));
    const fails = random() < 0.2;
    try {
      await sleep(Math.floor(random() * 15));
      if (fails) throw new Error(`planned failure of ${issueId} ${n}`);
    } finally {
      running--;
      runningByIssue.set(issueId, runningByIssue.get(issueId) - 1);
      note(fails ? 'fail' : 'end');
    }
  };
  // Two workers, each with its own client and inbox object, as two processes would have.
  const workers = [];
  for (const name of ['A', 'B']) {
    const inbox = new RedisInbox({ client: await nodeRedisClient(defer, redis.url), flavor: 'node-redis' }, policy);
    workers.push(createInboxWorker({ inbox, onEvent: onEvent(name), logger: false }));
  }
  defer(() => Promise.all(workers.map((w) => w.stop())));

  // One sender per issue, all at once: each issue's events in order, the issues interleaved.
  const issueIds = Array.from({ length: ISSUES }, (_, i) => `order-issue-${i}`);
  const statuses = await Promise.all(
    issueIds.map(async (issueId) => {
      const got = [];
      for (let n = 0; n < EVENTS; n++) got.push(await post(url, delivery(issueId, n)));
      return got;
    }),
  );
  assert.deepEqual(statuses.flat(), new Array(ISSUES * EVENTS).fill(200));
  const total = ISSUES * EVENTS;
  const counts = await waitFor(async () => {
    const c = await receiving.counts();
    return c.done === total ? c : undefined;
  });
  assert.deepEqual(counts, { pending: 0, leased: 0, done: total, dead: 0 });

  const failures = log.filter((e) => e.kind === 'fail').length;
  t.diagnostic(`${log.filter((e) => e.kind === 'start').length} attempts, ${failures} failed; at most ${maxRunning} at once`);
  assert.ok(failures > 0, 'some attempts failed, so order held across retries');
  assert.equal(maxOneIssue, 1, 'never two handlers at once for one issue');
  assert.ok(maxRunning > 1, 'issues ran side by side');
  assert.deepEqual(new Set(log.map((e) => e.worker)), new Set(['A', 'B']), 'both workers ran entries');
  for (const issueId of issueIds) {
    const events = log.filter((e) => e.issueId === issueId);
    assert.deepEqual(events.filter((e) => e.kind === 'end').map((e) => e.n), [...Array(EVENTS).keys()], `${issueId} completed in order`);
    // No attempt at a later event before the earlier ones are done, not even one that fails.
    let doneUpTo = -1;
    for (const e of events) {
      if (e.kind === 'start') assert.equal(e.n, doneUpTo + 1, `${issueId}: ${e.n} started while ${doneUpTo + 1} was not done`);
      if (e.kind === 'end') doneUpTo = e.n;
    }
  }
});

// ---------------------------------------------------------------- 3. a fleet

test('RedisInbox: 3 receiver and 2 worker processes, 10,000 deliveries, 10% failed attempts and a poison one: none lost, poison dead, one at a time per issue', async (t) => {
  const defer = cleanups(t);
  const redis = await durableRedis(defer);
  const COUNT = 10_000;
  const ISSUES = 300;
  const POISON_ISSUE = 'fleet-issue-7';
  const policy = { leaseMs: 2000, retryBaseMs: 20, retryMaxMs: 200, maxAttempts: 8, pollMs: 20, concurrency: 32 };
  const base = { url: redis.url, policy };
  const receivers = await Promise.all([1, 2, 3].map(() => startChild(defer, { ...base, role: 'receiver' })));
  await Promise.all([1, 2].map(() => startChild(defer, { ...base, role: 'worker', failRate: 0.1 })));

  // ~1.5 KB each; the poison one early in its issue, so the issue goes on after it dies.
  const sent = Array.from({ length: COUNT }, (_, n) => delivery(`fleet-issue-${n % ISSUES}`, n, 1050));
  const poison = delivery(POISON_ISSUE, 'poison', 1050);
  sent.splice(ISSUES * 2, 0, poison);
  assert.ok(sent[0].body.length > 1400 && sent[0].body.length < 1700, `${sent[0].body.length} bytes`);
  const started = Date.now();
  const statuses = await pool(sent, 48, (d, i) => post(receivers[i % 3].url, d));
  const sendMs = Date.now() - started;
  assert.deepEqual(statuses.filter((s) => s !== 200), [], 'every delivery was recorded');

  const client = await nodeRedisClient(defer, redis.url);
  const inbox = new RedisInbox({ client, flavor: 'node-redis' }, policy);
  const counts = await waitFor(async () => {
    const c = await inbox.counts();
    return c.done === COUNT && c.dead === 1 ? c : undefined;
  }, { ms: 45_000, everyMs: 200 });
  t.diagnostic(`sent in ${sendMs} ms, all handled ${Date.now() - started} ms after the first: ${JSON.stringify(await inbox.counts())}`);
  assert.deepEqual(counts, { pending: 0, leased: 0, done: COUNT, dead: 1 });

  // Every acknowledged delivery has its effect, once (by entry id), and the effects are exactly the deliveries.
  const effects = await client.hGetAll('pfw-test:effects');
  const effected = Object.values(effects).map(Number).sort((a, b) => a - b);
  assert.equal(effected.length, COUNT);
  assert.deepEqual(effected, [...Array(COUNT).keys()], 'no delivery lost, none made up, each once');
  const [dead] = await inbox.list({ state: 'dead' });
  assert.deepEqual([dead.issueId, dead.attempts], [POISON_ISSUE, 8]);
  assert.match(dead.lastError, /poison delivery/);
  const failed = (await inbox.list({ state: 'done', limit: COUNT })).filter((row) => row.attempts > 1).length;
  t.diagnostic(`${failed} entries needed more than one attempt`);
  assert.ok(failed > COUNT * 0.05, 'failures happened and were retried');
  assert.equal(await client.get('pfw-test:overlaps'), null, 'never two handlers at once for one issue');
});

// ---------------------------------------------------------------- 4. Redis restart

test('RedisInbox: Redis restarts mid-run: 503 while it is down, 200 again after, every 200 handled once in effect', async (t) => {
  const defer = cleanups(t);
  let redis = await durableRedis(defer);
  const policy = { leaseMs: 2000, retryBaseMs: 20, retryMaxMs: 100, pollMs: 20, maxAttempts: 30 };
  const connect = async () => nodeRedisClient(defer, redis.url);
  const receiving = new RedisInbox({ client: await connect(), flavor: 'node-redis', timeoutMs: 300 }, policy);
  const server = createServer(createNodeMiddleware(SECRET, { inbox: receiving, processInbox: false, logger: false }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${server.address().port}/`;

  // The effect, keyed by entry id, in this process (so the outage cannot touch it).
  const effects = new Map(); // entryId -> n
  const working = new RedisInbox({ client: await connect(), flavor: 'node-redis', timeoutMs: 300 }, policy);
  const worker = createInboxWorker({ inbox: working, logger: false, onEvent: (event, { entryId }) => void effects.set(entryId, event.data.issue.weakness) });
  defer(() => worker.stop());

  // Senders run the whole time; each answer is noted with when it was asked and answered.
  const answers = []; // { n, status, sentAt, answeredAt }
  let sending = true;
  let n = 0;
  const sender = async () => {
    while (sending) {
      const i = n++;
      const sentAt = Date.now();
      const status = await post(url, delivery(`restart-issue-${i % 20}`, i));
      answers.push({ n: i, status, sentAt, answeredAt: Date.now() });
      await sleep(2);
    }
  };
  const senders = Array.from({ length: 8 }, sender);
  await waitFor(() => answers.filter((a) => a.status === 200).length >= 300, { everyMs: 10 });

  await redis.stop(); // SIGKILL: only what the AOF has survives
  const downAt = Date.now();
  await sleep(2000);
  const restartAt = Date.now();
  redis = { ...(await startRedis({ aofDir: redis.aofDir, port: redis.port })), aofDir: redis.aofDir };
  defer(() => redis.stop());
  const upAt = Date.now();
  await waitFor(() => answers.filter((a) => a.status === 200 && a.sentAt > upAt).length >= 300, { everyMs: 10 });
  sending = false;
  await Promise.all(senders);

  const during = answers.filter((a) => a.sentAt > downAt && a.answeredAt < restartAt);
  t.diagnostic(`${answers.length} deliveries; ${during.length} sent and answered while Redis was down; ${answers.filter((a) => a.status === 200).length} got 200`);
  assert.ok(during.length >= 10, 'deliveries kept coming during the outage');
  assert.deepEqual([...new Set(during.map((a) => a.status))], [503], 'while Redis is down: 503, never 200');
  assert.ok(during.every((a) => a.answeredAt - a.sentAt < 1500), 'each 503 came within the timeout, well within 10 s');
  assert.ok(answers.some((a) => a.sentAt > upAt && a.status === 200), '200 again after the restart');

  const acknowledged = answers.filter((a) => a.status === 200).map((a) => `delivery ${a.n}`);
  const handled = await waitFor(() => {
    const done = new Set(effects.values());
    return acknowledged.every((d) => done.has(d)) ? done : undefined;
  }, { ms: 20_000, everyMs: 50 });
  assert.ok(handled, `every acknowledged delivery was handled (missing: ${acknowledged.filter((d) => !new Set(effects.values()).has(d)).slice(0, 5)})`);
  // Once in effect: one entry per delivery, so one effect each (a 503 that Redis did apply late is one entry too).
  const entriesOf = new Map();
  for (const [entryId, d] of effects) entriesOf.set(d, [...(entriesOf.get(d) ?? []), entryId]);
  for (const [d, entries] of entriesOf) assert.equal(entries.length, 1, `${d} became entries ${entries}`);
  const counts = await waitFor(async () => {
    const c = await working.counts();
    return c.pending === 0 ? c : undefined;
  });
  assert.deepEqual({ ...counts, done: 0 }, { pending: 0, leased: 0, done: 0, dead: 0 });
  assert.equal(counts.done, effects.size);
});

// ---------------------------------------------------------------- 5. kill -9 a worker

test('RedisInbox: a worker killed mid-handler: its entries are claimed again after the lease and complete', async (t) => {
  const defer = cleanups(t);
  const redis = await durableRedis(defer);
  const dir = mkdtempSync(join(tmpdir(), 'pfw-redis-kill-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  const startsLog = join(dir, 'starts.log');
  const policy = { leaseMs: 800, retryBaseMs: 20, pollMs: 20, concurrency: 4 };
  const base = { url: redis.url, policy, startsLog };
  const receiver = await startChild(defer, { ...base, role: 'receiver' });
  // The first worker holds each handler 60 s: it is killed in the middle of them.
  const doomed = await startChild(defer, { ...base, role: 'worker', holdMs: 60_000 });
  const sent = Array.from({ length: 4 }, (_, n) => delivery(`kill-issue-${n}`, n));
  assert.deepEqual(await Promise.all(sent.map((d) => post(receiver.url, d))), [200, 200, 200, 200]);
  await waitFor(() => linesOf(startsLog).length === 4, { ms: 5000, everyMs: 10 });

  doomed.child.kill('SIGKILL');
  assert.equal((await doomed.exited).signal, 'SIGKILL');
  const killedAt = Date.now();
  const client = await nodeRedisClient(defer, redis.url);
  const inbox = new RedisInbox({ client, flavor: 'node-redis' }, policy);
  assert.equal((await inbox.counts()).leased, 4, 'the dead worker still holds its leases');

  const rescuer = await startChild(defer, { ...base, role: 'worker' });
  const counts = await waitFor(async () => {
    const c = await inbox.counts();
    return c.done === 4 ? c : undefined;
  }, { ms: 10_000 });
  assert.deepEqual(counts, { pending: 0, leased: 0, done: 4, dead: 0 });
  const starts = linesOf(startsLog);
  const second = starts.filter((s) => s.pid === rescuer.child.pid);
  assert.deepEqual(second.map((s) => s.attempt), [2, 2, 2, 2], 'each entry claimed again, as its second attempt');
  assert.deepEqual(second.map((s) => s.n).sort(), ['0', '1', '2', '3']);
  // Its last renewal came at most leaseMs / 3 before the kill: none is taken over before the lease ran out.
  for (const s of second) assert.ok(s.at - killedAt >= 800 - 800 / 3 - 50, `claimed again ${s.at - killedAt} ms after the kill`);
  assert.equal(Object.keys(await client.hGetAll('pfw-test:effects')).length, 4);
});

// ---------------------------------------------------------------- 6. retention

/** Records `records`, claims them all as `worker` and acks each: resolves to their ids once done. */
async function runToDone(inbox, records, worker = 'w') {
  const ids = [];
  for (const r of records) ids.push((await inbox.record(r)).id);
  const claimed = await inbox.claim(worker, records.length, Date.now(), Date.now() + 30_000);
  assert.deepEqual(claimed.map((e) => e.id).sort((a, b) => a - b), [...ids].sort((a, b) => a - b));
  for (const id of ids) await inbox.ack(id, worker);
  return ids;
}

/** The group's consumers as { name: pending }. */
async function consumersOf(client, prefix) {
  return Object.fromEntries((await client.xInfoConsumers(`${prefix}stream`, 'workers')).map((c) => [c.name, c.pending]));
}

test('RedisInbox: a done entry is kept keepDoneMs (a repeat is the same entry), then gone from counts and list, and a repeat is a new entry', async (t) => {
  const defer = cleanups(t);
  const redis = await durableRedis(defer);
  const client = await nodeRedisClient(defer, redis.url);
  const KEEP_MS = 1000;
  const inbox = new RedisInbox({ client, flavor: 'node-redis', prefix: 'r:' }, { keepDoneMs: KEEP_MS });
  const old = [recordOf(1, { issueId: 'kept-issue' }), recordOf(2, { issueId: '' })];
  const oldIds = await runToDone(inbox, old);
  const oldDoneAt = Date.now();
  assert.deepEqual(await inbox.record(old[0]), { id: oldIds[0], duplicate: true }, 'within keepDoneMs a repeat is the same entry');

  await sleep(KEEP_MS / 2);
  const young = recordOf(3, { issueId: 'kept-issue' });
  const [youngId] = await runToDone(inbox, [young]);
  await sleep(oldDoneAt + KEEP_MS + 100 - Date.now());

  // Past keepDoneMs for the old ones, not for the young one: before any claim has tidied up.
  assert.deepEqual(await inbox.counts(), { pending: 0, leased: 0, done: 1, dead: 0 });
  assert.deepEqual((await inbox.list({ state: 'done' })).map((row) => row.id), [youngId]);
  assert.deepEqual((await inbox.list()).map((row) => row.id), [youngId]);
  assert.deepEqual((await inbox.list({ state: 'done', limit: 1 })).map((row) => row.id), [youngId]);
  // What the acking inbox kept decides, not the reader's policy (inbox status runs with the defaults).
  const reader = new RedisInbox({ client, flavor: 'node-redis', prefix: 'r:' });
  assert.deepEqual(await reader.counts(), { pending: 0, leased: 0, done: 1, dead: 0 });
  assert.deepEqual((await reader.list()).map((row) => row.id), [youngId]);
  assert.deepEqual(await inbox.record(young), { id: youngId, duplicate: true }, 'the young one still dedupes');
  assert.equal(await client.exists([`r:e:${oldIds[0]}`, `r:e:${oldIds[1]}`]), 0, 'the old entries are gone from Redis');
  const reborn = await inbox.record(old[0]);
  assert.equal(reborn.duplicate, false, 'a repeat of an old one is a new entry');
  assert.ok(reborn.id > youngId);

  // A claim (a new inbox object: the first claim of each tidies up) drops the old ids from the indexes too.
  const tidier = new RedisInbox({ client, flavor: 'node-redis', prefix: 'r:' }, { keepDoneMs: KEEP_MS });
  const [again] = await tidier.claim('w2', 10, Date.now(), Date.now() + 30_000);
  assert.equal(again.id, reborn.id);
  assert.deepEqual(await client.zRange('r:done', 0, -1), [String(youngId)]);
  await tidier.ack(reborn.id, 'w2');
  assert.deepEqual(await tidier.counts(), { pending: 0, leased: 0, done: 2, dead: 0 });
});

test('RedisInbox: the keyspace does not grow with done entries beyond keepDoneMs; dead ones stay until purged', async (t) => {
  const defer = cleanups(t);
  const redis = await durableRedis(defer);
  const client = await nodeRedisClient(defer, redis.url);
  // Long enough for all of them to be done while the first ones are still kept.
  const KEEP_MS = 3000;
  const policy = { keepDoneMs: KEEP_MS, pollMs: 5, concurrency: 16, maxAttempts: 1 };
  const inbox = new RedisInbox({ client, flavor: 'node-redis', prefix: 'm:' }, policy);
  const keys = async () => (await client.keys('m:*')).sort();

  const COUNT = 500;
  const worker = createInboxWorker({
    inbox,
    logger: false,
    onEvent: (event) => {
      if (event.data.issue.weakness === 'delivery 7') throw new Error('poison');
    },
  });
  defer(() => worker.stop());
  for (let n = 0; n < COUNT; n++) await inbox.record(recordOf(n, { issueId: `mem-issue-${n % 50}` }));
  worker.kick();
  const counts = await waitFor(async () => {
    const c = await inbox.counts();
    return c.done + c.dead === COUNT ? c : undefined;
  }, { ms: 10_000, everyMs: 20 });
  const allDoneAt = Date.now();
  await worker.stop();
  assert.deepEqual(counts, { pending: 0, leased: 0, done: COUNT - 1, dead: 1 });
  const full = (await keys()).length;
  assert.ok(full > COUNT, `${full} keys while the done entries are kept`);

  await sleep(allDoneAt + KEEP_MS + 100 - Date.now());
  const tidier = new RedisInbox({ client, flavor: 'node-redis', prefix: 'm:' }, policy);
  assert.deepEqual(await tidier.claim('t', 1, Date.now(), Date.now() + 1000), []);
  assert.deepEqual(await tidier.counts(), { pending: 0, leased: 0, done: 0, dead: 1 });
  const [deadRow] = await tidier.list();
  assert.equal(deadRow.state, 'dead', 'the dead entry is kept');
  // The dead entry (its hash, its dedupe key, the dead index) and the fixed keys: nothing of the done ones.
  assert.deepEqual(await keys(), ['m:d:dedupe-7-mem-issue-7', 'm:dead', `m:e:${deadRow.id}`, 'm:seq', 'm:stream']);
  assert.equal(await tidier.purgeDead(), 1);
  assert.deepEqual(await keys(), ['m:seq', 'm:stream']);
});

test('RedisInbox: consumers idle past 10 x leaseMs with nothing pending leave the group at a claim; holders stay', async (t) => {
  const defer = cleanups(t);
  const redis = await durableRedis(defer);
  const client = await nodeRedisClient(defer, redis.url);
  const policy = { leaseMs: 50 };
  const inbox = new RedisInbox({ client, flavor: 'node-redis', prefix: 'g:' }, policy);
  const lease = () => [Date.now(), Date.now() + 60_000];
  const ids = [];
  for (const issueId of ['g-1', 'g-2', 'g-3']) ids.push((await inbox.record(recordOf(1, { issueId }))).id);
  assert.deepEqual((await inbox.claim('holder', 1, ...lease())).map((e) => e.id), [ids[0]]);
  assert.deepEqual((await inbox.claim('gone', 1, ...lease())).map((e) => e.id), [ids[1]]);
  await inbox.ack(ids[1], 'gone');
  assert.deepEqual(await consumersOf(client, 'g:'), { holder: 1, gone: 0 });

  await sleep(10 * 50 + 100);
  assert.deepEqual((await inbox.claim('recent', 1, ...lease())).map((e) => e.id), [ids[2]]);
  await inbox.ack(ids[2], 'recent');
  // A new inbox object tidies at its first claim; a lease of 60 s keeps the holder's entry its own.
  const tidier = new RedisInbox({ client, flavor: 'node-redis', prefix: 'g:' }, policy);
  assert.deepEqual(await tidier.claim('tidier', 10, ...lease()), []);
  assert.deepEqual(await consumersOf(client, 'g:'), { holder: 1, recent: 0 }, 'the idle consumer without pending entries is gone');
  // The holder's lease is intact: its ack counts.
  await inbox.ack(ids[0], 'holder');
  assert.deepEqual(await inbox.counts(), { pending: 0, leased: 0, done: 3, dead: 0 });
});

// ---------------------------------------------------------------- 7. kill -9 a receiver

test('RedisInbox: a receiver (with its worker) killed -9 right after 100 acknowledged deliveries: after a restart each has its effect once, none lost', async (t) => {
  const defer = cleanups(t);
  const redis = await durableRedis(defer);
  const dir = mkdtempSync(join(tmpdir(), 'pfw-redis-crash-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  const startsLog = join(dir, 'starts.log');
  const policy = { leaseMs: 1500, retryBaseMs: 100, pollMs: 50 };
  const config = { role: 'both', url: redis.url, policy, startsLog, sleepMaxMs: 400 };
  // 60 issues of one event each, 10 issues of four.
  const sent = Array.from({ length: 100 }, (_, n) => delivery(n < 60 ? `crash-issue-${n}` : `crash-shared-${n % 10}`, n));

  const first = await startChild(defer, config);
  const statuses = await pool(sent, 5, (d) => post(first.url, d));
  first.child.kill('SIGKILL'); // right after the 100th 200
  assert.equal((await first.exited).signal, 'SIGKILL', first.stderr());
  assert.deepEqual(statuses, new Array(100).fill(200));

  const client = await nodeRedisClient(defer, redis.url);
  const effectsOf = () => client.hGetAll('pfw-test:effects');
  const startedBeforeKill = linesOf(startsLog);
  const doneBeforeKill = new Set(Object.keys(await effectsOf()).map(Number));
  t.diagnostic(`at kill time: ${startedBeforeKill.length} handler starts, ${doneBeforeKill.size} effects`);
  assert.ok(startedBeforeKill.length > doneBeforeKill.size, 'some handlers were mid-run at kill time');
  assert.ok(doneBeforeKill.size < 100, 'the kill came before the work was done');

  const second = await startChild(defer, config);
  const effects = await waitFor(async () => {
    const all = await effectsOf();
    return Object.keys(all).length >= 100 ? all : undefined;
  }) ?? (await effectsOf());
  assert.equal(Object.keys(effects).length, 100, `every acknowledged delivery has its effect (stderr: ${second.stderr()})`);
  assert.deepEqual(Object.values(effects).map(Number).sort((a, b) => a - b), [...Array(100).keys()], 'one entry, so one effect, per delivery');

  // An entry whose handler was cut off before its effect ran again in the new process.
  const restarted = linesOf(startsLog).filter((line) => line.pid === second.child.pid);
  for (const { entryId } of startedBeforeKill.filter((line) => !doneBeforeKill.has(line.entryId))) {
    assert.ok(restarted.some((line) => line.entryId === entryId && line.attempt >= 2), `entry ${entryId} was run again after the kill`);
  }

  // The ack follows the effect: wait for the last ones.
  const inbox = new RedisInbox({ client, flavor: 'node-redis' }, policy);
  const counts = await waitFor(async () => {
    const now = await inbox.counts();
    return now.done === 100 ? now : undefined;
  }, { ms: 5000 }) ?? (await inbox.counts());
  assert.deepEqual(counts, { pending: 0, leased: 0, done: 100, dead: 0 });
});
