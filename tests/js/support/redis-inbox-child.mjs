// A receiver or a worker process on one RedisInbox, for inbox-redis.test.mjs.
// The secret comes in the environment (PFW_TEST_SECRET), the rest as JSON in
// argv[2]:
//   role 'receiver'   createNodeMiddleware(secret, { inbox, processInbox: false })
//                     on 127.0.0.1, port 0; prints {"port":N} once it listens
//   role 'worker'     createInboxWorker({ inbox, onEvent }); prints {"ready":true}
//   role 'both'       createNodeMiddleware(secret, { inbox, onEvent }): records and
//                     runs in this process; prints {"port":N} once it listens
//   url, policy       the Redis server and the inbox policy
//   failRate          (worker, both) the share of attempts that throw, at random
//   holdMs            (worker, both) how long a handler takes
//   sleepMaxMs        (worker, both) or a random time from 0 to this
//   startsLog         (worker, both) one JSON line per handler start: { pid, entryId, attempt, n, at }
// A worker's handler, for event n (data.issue.weakness = 'delivery <n>'):
// INCR pfw-test:inflight:<issue> (and INCR pfw-test:overlaps when that made
// it 2 or more), waits, throws for 'poison' or at failRate, else
// HSETNX pfw-test:effects <entryId> <n>; then DECR the in-flight counter.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { createInboxWorker, createNodeMiddleware, RedisInbox } from 'promptfoo-webhooks';

const config = JSON.parse(process.argv[2]);
const secret = process.env.PFW_TEST_SECRET;
const client = createClient({ url: config.url, socket: { reconnectStrategy: 50 } });
client.on('error', () => {}); // reconnects by itself; the inbox's own errors are what count
await client.connect();
const inbox = new RedisInbox({ client, flavor: 'node-redis' }, config.policy);

const onEvent = async (event, { entryId, attempt }) => {
  const n = event.data.issue.weakness.slice('delivery '.length);
  if (config.startsLog) appendFileSync(config.startsLog, `${JSON.stringify({ pid: process.pid, entryId, attempt, n, at: Date.now() })}\n`);
  const inflight = `pfw-test:inflight:${event.data.issue.id}`;
  if ((await client.incr(inflight)) > 1) await client.incr('pfw-test:overlaps');
  try {
    if (config.holdMs) await sleep(config.holdMs);
    if (config.sleepMaxMs) await sleep(Math.floor(Math.random() * (config.sleepMaxMs + 1)));
    if (n === 'poison') throw new Error('poison delivery');
    if (Math.random() < (config.failRate ?? 0)) throw new Error(`planned failure of delivery ${n}`);
    await client.hSetNX('pfw-test:effects', String(entryId), n);
  } finally {
    await client.decr(inflight);
  }
};

if (config.role === 'receiver' || config.role === 'both') {
  const options = config.role === 'both' ? { inbox, onEvent } : { inbox, processInbox: false };
  const server = createServer(createNodeMiddleware(secret, { ...options, logger: false }));
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
} else if (config.role === 'worker') {
  createInboxWorker({ inbox, onEvent, logger: false });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
} else {
  throw new Error(`unknown role ${config.role}`);
}
