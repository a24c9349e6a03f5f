// Shared de-duplication with RedisReplayStore against a real redis-server:
// the store itself with both common clients (node-redis, ioredis) and a raw
// command function, what happens when Redis is down, and exactly-once
// acceptance across several receiver processes that share one Redis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { Redis as IORedis } from 'ioredis';
import { generateSecret, RedisReplayStore, signPayload, Webhook, WebhookVerificationError } from 'promptfoo-webhooks';
import { startRedis } from './support/redis.mjs';

const RECEIVER = fileURLToPath(new URL('../../js-examples/node-http-receiver.mjs', import.meta.url));
const SECRET = generateSecret();
const RECEIVERS = 3;
const COPIES_PER_RECEIVER = 2; // each round, every receiver also races itself
const ROUNDS = 200;

let redis; // { url, port, stop() }
let nodeRedis;
let ioredis;

before(async () => {
  redis = await startRedis();
  nodeRedis = createClient({ url: redis.url });
  await nodeRedis.connect();
  ioredis = new IORedis(redis.port, '127.0.0.1');
});

after(async () => {
  await nodeRedis?.close();
  ioredis?.disconnect();
  await redis?.stop();
});

/** A signed delivery nobody has sent before (a fresh issue id), timestamped now. */
function freshDelivery() {
  const payload = {
    event: 'issue.created',
    timestamp: new Date().toISOString(),
    data: { issue: { id: randomUUID(), severity: 'high' }, eventData: {} },
  };
  return signPayload(payload, SECRET);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---------------------------------------------------------------- the store

test('RedisReplayStore: SET NX EX with node-redis, ioredis and a raw command give the same answers', async () => {
  const stores = {
    'node-redis': new RedisReplayStore({ client: nodeRedis, flavor: 'node-redis', prefix: 'a:' }),
    ioredis: new RedisReplayStore({ client: ioredis, flavor: 'ioredis', prefix: 'b:' }),
    command: new RedisReplayStore({ command: (args) => nodeRedis.sendCommand(args), prefix: 'c:' }),
    'ioredis call': new RedisReplayStore({ command: (args) => ioredis.call(...args), prefix: 'd:' }),
  };
  for (const [name, store] of Object.entries(stores)) {
    const key = `key-${randomUUID()}`;
    assert.equal(await store.claim(key, 60), true, `${name}: first claim`);
    assert.equal(await store.claim(key, 60), false, `${name}: second claim`);
    assert.equal(await store.claim(`${key}-other`, 60), true, `${name}: another key`);
    // The key landed under its prefix, with the TTL rounded up to whole seconds.
    const prefix = { 'node-redis': 'a:', ioredis: 'b:', command: 'c:', 'ioredis call': 'd:' }[name];
    assert.equal(await nodeRedis.get(prefix + key), '1', name);
    const ttl = await nodeRedis.ttl(prefix + key);
    assert.ok(ttl > 0 && ttl <= 60, `${name}: ttl ${ttl}`);
  }
  const rounded = `key-${randomUUID()}`;
  await stores['node-redis'].claim(rounded, 0.2);
  assert.equal(await nodeRedis.ttl(`a:${rounded}`), 1, 'a fractional TTL rounds up, never to 0');
});

test('RedisReplayStore: a key can be claimed again once its TTL has passed', async () => {
  const store = new RedisReplayStore({ client: nodeRedis, flavor: 'node-redis' });
  const key = `expiring-${randomUUID()}`;
  assert.equal(await store.claim(key, 1), true);
  assert.equal(await store.claim(key, 1), false);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal(await store.claim(key, 1), true);
});

test('RedisReplayStore: concurrent claims of one key over separate connections: exactly one wins', async () => {
  const clients = await Promise.all(
    Array.from({ length: 4 }, async () => createClient({ url: redis.url }).connect()),
  );
  try {
    const stores = clients.map((client) => new RedisReplayStore({ client, flavor: 'node-redis' }));
    for (let round = 0; round < 50; round++) {
      const key = `race-${randomUUID()}`;
      const answers = await Promise.all(stores.flatMap((store) => [store.claim(key, 60), store.claim(key, 60)]));
      assert.equal(answers.filter(Boolean).length, 1, `round ${round}: ${answers}`);
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});

test('RedisReplayStore: bad options and bad replies are refused', async () => {
  assert.throws(() => new RedisReplayStore({ client: nodeRedis }), { code: 'ERR_INVALID_ARG_TYPE', message: /flavor/ });
  assert.throws(() => new RedisReplayStore({ client: nodeRedis, flavor: 'jedis' }), { message: /flavor/ });
  assert.throws(() => new RedisReplayStore({ client: {}, flavor: 'ioredis' }), { message: /set\(\)/ });
  assert.throws(() => new RedisReplayStore({ command: () => 'OK', client: nodeRedis, flavor: 'node-redis' }), { message: /not both/ });
  assert.throws(() => new RedisReplayStore({ command: 'SET' }), { message: /command/ });
  assert.throws(() => new RedisReplayStore({ command: () => 'OK', timeoutMs: 0 }), { message: /timeoutMs/ });
  assert.throws(() => new RedisReplayStore(), { message: /client/ });
  const store = new RedisReplayStore({ command: async () => 'QUEUED' });
  await assert.rejects(store.claim('k', 60), { name: 'TypeError', code: 'ERR_INVALID_RETURN_VALUE' });
  await assert.rejects(store.claim('k', 0), { message: /ttlSeconds/ });
  await assert.rejects(store.claim(42, 60), { message: /key/ });
  // What the command was asked to send.
  const sent = [];
  await new RedisReplayStore({ command: async (args) => (sent.push(args), null), prefix: 'p:' }).claim('k', 90);
  assert.deepEqual(sent, [['SET', 'p:k', '1', 'NX', 'EX', '90']]);
});

// ---------------------------------------------------------------- Redis down

test('Redis down: a claim rejects within timeoutMs; verifyOnce passes the error on unless failOpen', async () => {
  const doomed = await startRedis();
  // node-redis's default client queues commands while it reconnects: without
  // timeoutMs a claim would wait for Redis to come back.
  const client = createClient({ url: doomed.url, socket: { reconnectStrategy: 50 } });
  const clientErrors = [];
  client.on('error', (error) => clientErrors.push(error));
  await client.connect();
  try {
    const store = new RedisReplayStore({ client, flavor: 'node-redis', timeoutMs: 300 });
    const { body, headers } = freshDelivery();
    const signature = headers['X-Promptfoo-Signature'];
    await doomed.stop();

    const closed = new Webhook(SECRET, { dedupe: { store } });
    const started = Date.now();
    await assert.rejects(closed.verifyOnce(body, signature), (error) => {
      assert.ok(!(error instanceof WebhookVerificationError), 'a store failure is not the sender’s fault');
      assert.match(error.message, /no answer from Redis within 300 ms/);
      return true;
    });
    const waited = Date.now() - started;
    assert.ok(waited >= 290 && waited < 2000, `rejected after ${waited} ms`);

    const failures = [];
    const open = new Webhook(SECRET, { dedupe: { store, failOpen: (error) => failures.push(error) } });
    assert.equal((await open.verifyOnce(body, signature)).event, 'issue.created');
    assert.equal(failures.length, 1);
    assert.match(failures[0].message, /no answer from Redis/);
    const openQuietly = new Webhook(SECRET, { dedupe: { store, failOpen: true } });
    assert.equal((await openQuietly.verifyOnce(body, signature)).event, 'issue.created');
    // failOpen covers a store that fails, not a delivery that does not verify.
    await assert.rejects(open.verifyOnce(body, '0'.repeat(64)), { code: 'signature_mismatch' });
    assert.throws(() => new Webhook(SECRET, { dedupe: { store, failOpen: 'yes' } }), { code: 'invalid_options' });
    assert.ok(clientErrors.length > 0, 'the client saw the connection drop');
  } finally {
    client.destroy();
  }
});

// ---------------------------------------------------------------- several processes

/** Runs js-examples/node-http-receiver.mjs with the Redis store; resolves with its URL once it listens. */
function startReceiverProcess() {
  const child = spawn(process.execPath, [RECEIVER], {
    env: { ...process.env, PORT: '0', PROMPTFOO_WEBHOOK_SECRET: SECRET, PROMPTFOO_WEBHOOK_REDIS_URL: redis.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  process.on('exit', kill);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 3000);
      await exited;
      clearTimeout(timer);
    }
    process.off('exit', kill);
  };
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const listening = output.match(/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (listening) resolve({ url: listening[1], stop, output: () => output });
    };
    // Keep reading: the receiver logs a line per delivery and must not block on a full pipe.
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`receiver exited with code ${code}\n${output}`)));
  });
}

test(`exactly once across ${RECEIVERS} receiver processes sharing Redis: ${ROUNDS} rounds of simultaneous copies`, async (t) => {
  const receivers = await Promise.all(Array.from({ length: RECEIVERS }, startReceiverProcess));
  t.after(() => Promise.all(receivers.map((receiver) => receiver.stop())));
  const post = async (url, { body, headers }) => {
    const response = await fetch(url, { method: 'POST', body, headers });
    return { status: response.status, json: await response.json() };
  };

  // Warm up each connection so the first round does not measure connecting.
  for (const { url } of receivers) await post(url, freshDelivery());

  const winners = new Array(RECEIVERS).fill(0);
  const roundMs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const delivery = freshDelivery();
    // Every receiver gets COPIES_PER_RECEIVER copies, sent at once in a shuffled order.
    const targets = Array.from({ length: RECEIVERS * COPIES_PER_RECEIVER }, (_, i) => i % RECEIVERS);
    targets.sort(() => Math.random() - 0.5);
    const started = performance.now();
    const answers = await Promise.all(targets.map((i) => post(receivers[i].url, delivery)));
    roundMs.push(performance.now() - started);
    const accepted = answers.map((answer, n) => [answer, targets[n]]).filter(([answer]) => answer.status === 200);
    assert.equal(accepted.length, 1, `round ${round}: ${answers.map((a) => a.status)}`);
    for (const answer of answers.filter((a) => a.status !== 200)) {
      assert.equal(answer.status, 409, `round ${round}: ${JSON.stringify(answer)}`);
      assert.equal(answer.json.error, 'duplicate_delivery');
    }
    winners[accepted[0][1]]++;
  }
  // The race is real: more than one process won rounds.
  assert.ok(winners.filter((n) => n > 0).length >= 2, `winners per receiver: ${winners}`);

  // Different deliveries are all accepted, whichever process gets them; sent again, none is.
  const distinct = Array.from({ length: ROUNDS }, freshDelivery);
  const first = await Promise.all(distinct.map((delivery, n) => post(receivers[n % RECEIVERS].url, delivery)));
  assert.deepEqual(new Set(first.map((a) => a.status)), new Set([200]));
  const again = await Promise.all(distinct.map((delivery, n) => post(receivers[(n + 1) % RECEIVERS].url, delivery)));
  assert.deepEqual(new Set(again.map((a) => a.status)), new Set([409]));

  // One claim's round trip, measured in this process over the same server.
  const store = new RedisReplayStore({ client: nodeRedis, flavor: 'node-redis', prefix: 'timing:' });
  const claimUs = [];
  for (let i = 0; i < 1000; i++) {
    const started = performance.now();
    await store.claim(`k${i}-${randomUUID()}`, 60);
    claimUs.push((performance.now() - started) * 1000);
  }
  claimUs.sort((a, b) => a - b);
  roundMs.sort((a, b) => a - b);
  t.diagnostic(
    `${ROUNDS} rounds x ${RECEIVERS * COPIES_PER_RECEIVER} simultaneous copies over ${RECEIVERS} processes: ` +
      `${ROUNDS} accepted, ${ROUNDS * (RECEIVERS * COPIES_PER_RECEIVER - 1)} answered 409; winners per process ${winners.join('/')}; ` +
      `round p50 ${percentile(roundMs, 50).toFixed(1)} ms, p99 ${percentile(roundMs, 99).toFixed(1)} ms`,
  );
  t.diagnostic(
    `${ROUNDS} distinct deliveries: all 200, then all 409; one claim (SET NX EX, node-redis, 127.0.0.1): ` +
      `p50 ${percentile(claimUs, 50).toFixed(0)} µs, p99 ${percentile(claimUs, 99).toFixed(0)} µs over 1000 claims`,
  );
});
