// The inbox's cost where it is paid: the answer. For 1.5 KB signed
// deliveries, each to a receiver process of its own (benches/inbox/receiver.mjs),
// in the same run:
//   - sustained deliveries per second, 50 connections for SECONDS (autocannon);
//   - ack latency (p50, p99) at a steady 1,000 deliveries/s;
// for the receiver without an inbox (the baseline, handlers awaited), with
// the embedded SQLite inbox (WAL, synchronous=FULL: an fsync per group
// commit), and with the Redis inbox when RedisInbox is there (a local
// redis-server with appendfsync always, as the README asks for).
// And what a sender can ask for: a Node process posting one delivery at a
// time with fetch (the shape of a server sending its webhooks), and 10 at a time.
//
//   node_modules/node24/bin/node benches/inbox.mjs [--quick]     (node:sqlite needs Node 22.13+)
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import * as library from 'promptfoo-webhooks';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 4 : 10;
const STEADY_RATE = 1000;
const CONNECTIONS = 50;
const SECRET = 'whsec-inbox-bench-0123456789abcdef';
const RESULTS = new URL('./results/', import.meta.url);
const RECEIVER = new URL('./inbox/receiver.mjs', import.meta.url).pathname;
const root = new URL('..', import.meta.url).pathname;
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');

/** A fresh 1.5 KB delivery: distinct, so that no inbox takes it for a repeat. */
function delivery() {
  const body = JSON.stringify({
    event: 'issue.updated',
    timestamp: new Date().toISOString(),
    data: { issue: { id: randomUUID(), severity: 'high', status: 'open', weakness: 'w'.repeat(1300) }, eventData: { changes: ['status changed to open'] } },
  });
  return { body, signature: hmac(body) };
}

function startReceiver(inbox) {
  const child = spawn(process.execPath, [RECEIVER], { cwd: root, env: { ...process.env, SECRET, INBOX: inbox }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.setEncoding('utf8').on('data', (text) => {
      seen += text;
      const match = /listening (\S+)/.exec(seen);
      if (match) resolve({ url: match[1], stop: () => child.kill('SIGKILL') });
    });
    child.once('exit', (code) => reject(new Error(`receiver (${inbox}) exited with ${code}`)));
  });
}

function load(url, options) {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    ...options,
    requests: [
      {
        method: 'POST',
        setupRequest(req) {
          const { body, signature } = delivery();
          return { ...req, body, headers: { 'content-type': 'application/json', 'x-promptfoo-signature': signature } };
        },
      },
    ],
  });
}

/**
 * Ack latency at a steady `rate`: requests start on an even schedule (open
 * loop, over keep-alive connections), and each latency counts from its
 * scheduled start, so a stall delays every request behind it, as it would
 * a sender's (no coordinated omission). Returns [p50, p99] in ms.
 */
async function steadyLatency(url, rate) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const count = rate * SECONDS;
  const latencies = [];
  let failures = 0;
  const post = (scheduled) =>
    new Promise((resolve) => {
      const { body, signature } = delivery();
      const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-promptfoo-signature': signature } }, (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode !== 200) failures++;
          latencies.push(performance.now() - scheduled);
          resolve();
        });
      });
      request.on('error', () => {
        failures++;
        resolve();
      });
      request.end(body);
    });
  const started = performance.now();
  const pending = [];
  for (let i = 0; i < count; i++) {
    const scheduled = started + (i * 1000) / rate;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(post(scheduled));
  }
  await Promise.all(pending);
  agent.destroy();
  if (failures > 0) throw new Error(`${failures} of ${count} deliveries were not answered 200`);
  latencies.sort((a, b) => a - b);
  const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10;
  return [at(0.5), at(0.99)];
}

async function measure(name, inbox) {
  const receiver = await startReceiver(inbox);
  try {
    await load(receiver.url, { duration: 1 }); // warm-up
    const sustained = await load(receiver.url, {});
    if (sustained.non2xx + sustained.errors > 0) throw new Error(`${name}: ${sustained.non2xx + sustained.errors} answers were not 2xx`);
    const [p50, p99] = await steadyLatency(receiver.url, STEADY_RATE);
    return {
      name,
      perSecond: Math.round(sustained.requests.average),
      loadedP50: sustained.latency.p50,
      loadedP99: sustained.latency.p99,
      p50,
      p99,
    };
  } finally {
    receiver.stop();
  }
}

/** Deliveries per second a fetch sender reaches against `url`, `parallel` at a time. */
async function senderRate(url, parallel) {
  const until = performance.now() + SECONDS * 1000;
  let sent = 0;
  const lane = async () => {
    while (performance.now() < until) {
      const { body, signature } = delivery();
      const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-promptfoo-signature': signature } });
      await response.arrayBuffer();
      sent++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: parallel }, lane));
  return Math.round(sent / ((performance.now() - started) / 1000));
}

async function startRedis(dir) {
  const { startRedis: start } = await import('../tests/js/support/redis.mjs');
  return start({ aofDir: dir });
}

const work = mkdtempSync(join(tmpdir(), 'inbox-bench-'));
const rows = [];
try {
  rows.push(await measure('no inbox (handlers awaited)', 'none'));
  rows.push(await measure('SqliteInbox (WAL, synchronous=FULL)', `sqlite:${join(work, 'inbox.db')}`));
  if (typeof library.RedisInbox === 'function') {
    const redis = await startRedis(work);
    try {
      rows.push(await measure('RedisInbox (appendfsync always)', redis.url));
    } finally {
      await redis.stop();
    }
  }
  const baseline = await startReceiver('none');
  let senders;
  try {
    senders = { sequential: await senderRate(baseline.url, 1), tenAtATime: await senderRate(baseline.url, 10) };
  } finally {
    baseline.stop();
  }

  const base = rows[0];
  const lines = [
    `Inbox benchmark: 1.5 KB deliveries, ${CONNECTIONS} connections for ${SECONDS} s (sustained), then a steady ${STEADY_RATE}/s (ack latency); Node ${process.versions.node}`,
    '',
    '| receiver | deliveries/s | vs no inbox | p50 / p99 at 1,000/s (ms) | p50 / p99 under full load (ms) |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.perSecond} | ${(r.perSecond / base.perSecond).toFixed(2)}x | ${r.p50} / ${r.p99} | ${r.loadedP50} / ${r.loadedP99} |`),
    '',
    `A sender posting with fetch against the receiver without an inbox: ${senders.sequential}/s one at a time, ${senders.tenAtATime}/s ten at a time.`,
    ...rows.slice(1).map((r) => `${r.name} sustains ${(r.perSecond / senders.sequential).toFixed(1)}x what a one-at-a-time sender can post.`),
  ];
  console.log(lines.join('\n'));
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(new URL('inbox.json', RESULTS), `${JSON.stringify({ date: new Date().toISOString(), node: process.versions.node, seconds: SECONDS, rows, senders }, null, 2)}\n`);
  writeFileSync(new URL('inbox.md', RESULTS), `${lines.join('\n')}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
