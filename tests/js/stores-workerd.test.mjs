// DurableObjectReplayStore and ReplayGuard in real workerd. workerd is one
// process, so "several instances" are several Worker services running the
// same receiver (tests/js/support/replay-worker.js), each on its own port,
// all bound to one ReplayGuard namespace defined by a third service, plus
// many requests in flight at once. Durable Object storage is in memory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signPayload } from 'promptfoo-webhooks';
import { bundleWorker, freePort, startWorkerd } from './support/workerd.mjs';

const WORKER_ENTRY = fileURLToPath(new URL('./support/replay-worker.js', import.meta.url));
// Hex, so it needs no escaping inside the capnp config.
const SECRET = randomBytes(32).toString('hex');
const ROUNDS = 200;
const COPIES_PER_RECEIVER = 3;
// Two receivers share the day-long store; `short` keeps keys one second, in objects of its own.
const RECEIVERS = [
  { name: 'a', shards: 4, objects: 'replay', ttlSeconds: 86_400 },
  { name: 'b', shards: 4, objects: 'replay', ttlSeconds: 86_400 },
  { name: 'short', shards: 1, objects: 'short', ttlSeconds: 1 },
];

let workDir;
let workerd;
const urls = {}; // receiver name -> base URL

/** guard defines the namespace and its in-memory storage; each receiver binds it by serviceName. */
function config(modules, ports) {
  const text = (name, value) => `(name = "${name}", text = "${value}")`;
  const receiver = ({ name, shards, objects, ttlSeconds }) => `const ${name}Receiver :Workerd.Worker = (
  ${modules},
  bindings = [
    (name = "REPLAY", durableObjectNamespace = (className = "ReplayGuard", serviceName = "guard")),
    ${text('PROMPTFOO_WEBHOOK_SECRET', SECRET)}, ${text('INSTANCE', name)}, ${text('SHARDS', shards)},
    ${text('NAME', objects)}, ${text('TTL_SECONDS', ttlSeconds)},
  ],
  compatibilityDate = "2024-09-23",
);`;
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "guard", worker = .guard),
    ${RECEIVERS.map(({ name }) => `(name = "${name}", worker = .${name}Receiver)`).join(',\n    ')},
  ],
  sockets = [
    ${RECEIVERS.map(({ name }, i) => `(name = "${name}", address = "127.0.0.1:${ports[i]}", http = (), service = "${name}")`).join(',\n    ')},
  ],
);

const guard :Workerd.Worker = (
  ${modules},
  durableObjectNamespaces = [(className = "ReplayGuard", uniqueKey = "promptfoo-webhooks-replay-guard")],
  durableObjectStorage = (inMemory = void),
  compatibilityDate = "2024-09-23",
);

${RECEIVERS.map(receiver).join('\n\n')}
`;
}

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'promptfoo-webhooks-stores-workerd-'));
  const { modules } = await bundleWorker(WORKER_ENTRY, workDir);
  const ports = await Promise.all(RECEIVERS.map(() => freePort()));
  writeFileSync(join(workDir, 'config.capnp'), config(modules, ports));
  workerd = await startWorkerd(workDir, ports[0]);
  RECEIVERS.forEach(({ name }, i) => (urls[name] = `http://127.0.0.1:${ports[i]}/`));
});

after(async () => {
  await workerd?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function freshDelivery() {
  const payload = {
    event: 'issue.created',
    timestamp: new Date().toISOString(),
    data: { issue: { id: randomUUID(), severity: 'high' }, eventData: {} },
  };
  return signPayload(payload, SECRET);
}

async function post(url, { body, headers }) {
  const response = await fetch(url, { method: 'POST', body, headers });
  const json = await response.json();
  if (response.status === 500) assert.fail(`500: ${json.message}\n--- workerd stderr ---\n${workerd.stderr()}`);
  return { status: response.status, json };
}

const stats = async (name) => (await fetch(new URL('/stats', urls[name]))).json();
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

test(`exactly once through Durable Objects: ${ROUNDS} rounds of simultaneous copies to two Worker services`, async (t) => {
  const copies = ['a', 'b'].flatMap((name) => Array(COPIES_PER_RECEIVER).fill(name));
  const winners = { a: 0, b: 0 };
  const roundMs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const delivery = freshDelivery();
    copies.sort(() => Math.random() - 0.5);
    const started = performance.now();
    const answers = await Promise.all(copies.map((name) => post(urls[name], delivery)));
    roundMs.push(performance.now() - started);
    const accepted = answers.filter((answer) => answer.status === 200);
    assert.equal(accepted.length, 1, `round ${round}: ${answers.map((a) => a.status)}`);
    for (const answer of answers.filter((a) => a.status !== 200)) {
      assert.equal(answer.status, 409, `round ${round}: ${JSON.stringify(answer)}`);
      assert.equal(answer.json.error, 'duplicate_delivery');
    }
    winners[accepted[0].json.instance]++;
  }
  assert.ok(winners.a > 0 && winners.b > 0, `both services won rounds: ${JSON.stringify(winners)}`);

  // Distinct deliveries, all in flight at once: all accepted, whichever service; again: none.
  const distinct = Array.from({ length: ROUNDS }, freshDelivery);
  const first = await Promise.all(distinct.map((delivery, n) => post(urls[n % 2 ? 'a' : 'b'], delivery)));
  assert.deepEqual(new Set(first.map((a) => a.status)), new Set([200]));
  const again = await Promise.all(distinct.map((delivery, n) => post(urls[n % 2 ? 'b' : 'a'], delivery)));
  assert.deepEqual(new Set(again.map((a) => a.status)), new Set([409]));

  // Every accepted delivery is held by exactly one of the 4 shards, and all 4 are used.
  const { shards } = await stats('a');
  assert.equal(shards.length, 4);
  assert.equal(shards.reduce((sum, shard) => sum + shard.keys, 0), 2 * ROUNDS);
  assert.ok(shards.every((shard) => shard.keys > 0), JSON.stringify(shards));

  // One claim's round trip, one request at a time (verification included).
  const claimMs = [];
  for (let i = 0; i < 200; i++) {
    const delivery = freshDelivery();
    const started = performance.now();
    assert.equal((await post(urls.a, delivery)).status, 200);
    claimMs.push(performance.now() - started);
  }
  roundMs.sort((x, y) => x - y);
  claimMs.sort((x, y) => x - y);
  t.diagnostic(
    `${ROUNDS} rounds x ${copies.length} simultaneous copies over 2 services: ${ROUNDS} accepted, ` +
      `${ROUNDS * (copies.length - 1)} answered 409; winners a/b ${winners.a}/${winners.b}; ` +
      `round p50 ${percentile(roundMs, 50).toFixed(1)} ms, p99 ${percentile(roundMs, 99).toFixed(1)} ms`,
  );
  t.diagnostic(
    `${ROUNDS} distinct deliveries: all 200, then all 409; shard keys ${shards.map((s) => s.keys).join('/')}; ` +
      `one delivery with its claim, sequential: p50 ${percentile(claimMs, 50).toFixed(2)} ms, p99 ${percentile(claimMs, 99).toFixed(2)} ms`,
  );
});

test('Durable Objects: a key expires after its TTL, and the alarm deletes it from storage', async () => {
  const delivery = freshDelivery();
  assert.equal((await post(urls.short, delivery)).status, 200);
  assert.equal((await post(urls.short, delivery)).status, 409);
  const [held] = (await stats('short')).shards;
  assert.equal(held.keys, 1);
  assert.equal(held.stored, 1);
  assert.ok(held.alarm > Date.now() - 1000 && held.alarm <= Date.now() + 1000, `alarm at ${held.alarm}`);

  // The alarm fires about a second after the claim and deletes the key.
  const deadline = Date.now() + 5000;
  let shard = held;
  while (shard.stored > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    [shard] = (await stats('short')).shards;
  }
  assert.deepEqual(shard, { keys: 0, stored: 0, alarm: null });
  assert.equal((await post(urls.short, delivery)).status, 200, 'accepted again once expired');

  // The day-long objects are separate and still remember everything.
  const { shards } = await stats('a');
  assert.ok(shards.every((s) => s.keys === s.stored && s.alarm > Date.now() + 80_000_000), JSON.stringify(shards));
});

test('Durable Objects: only verified deliveries reach the store', async () => {
  const before = (await stats('short')).shards[0].stored;
  const { body, headers } = freshDelivery();
  const tampered = { body: body.replace('"high"', '"low"'), headers };
  for (let i = 0; i < 20; i++) assert.equal((await post(urls.short, tampered)).status, 401);
  assert.equal((await stats('short')).shards[0].stored, before);
});
