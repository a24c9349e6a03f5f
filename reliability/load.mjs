// make load: autocannon against js-examples/node-http-receiver.mjs (run as
// its own process, dedupe on) on 127.0.0.1, 50 connections, ~20 s, mixing
// five classes of delivery. Every response is checked against its class:
//
//   valid      a fresh, signed, current delivery      -> 200
//   duplicate  a delivery accepted before the run     -> 409 duplicate_delivery
//   tampered   signed, then one byte of the body changed -> 401
//   oversized  a body over 5 MiB                      -> 413
//   malformed  a signature that is not hex, or signed non-JSON -> 401 / 400
//
// Each class posts to its own path (the receiver takes any path) and the
// receiver logs `POST /<class> -> <status>` per delivery: its log is the
// ledger, so a response is never attributed to the wrong request.
// Prints req/s, p99 latency and counts per class; exits non-zero on any
// false accept (a non-valid delivery answered 2xx), false reject (a valid one
// answered otherwise), 5xx, or receiver RSS growth over 50 MB after warm-up.
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 20);
const CONNECTIONS = 50;
const MAX_RSS_GROWTH_MB = 50;
const SECRET = 'whsec-load-0123456789abcdef';
const RECEIVER = new URL('../js-examples/node-http-receiver.mjs', import.meta.url).pathname;
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');

const freshBody = () =>
  JSON.stringify({
    event: 'issue.created',
    timestamp: new Date().toISOString(),
    data: { issue: { id: randomUUID(), severity: 'high', weakness: 'w'.repeat(500) }, eventData: {} },
  });
const OVERSIZED = 'x'.repeat(5 * 1024 * 1024 + 1);
const NOT_JSON = '{"event":"issue.created",';

// ---------------------------------------------------------------- receiver

const receiver = spawn(process.execPath, [RECEIVER], {
  env: { ...process.env, PROMPTFOO_WEBHOOK_SECRET: SECRET, PORT: '0', PROMPTFOO_WEBHOOK_DEDUPE: '1' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let seen = '';
  const onData = (chunk) => {
    seen += chunk;
    const match = /Listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen);
    if (match) resolve(match[1]);
  };
  receiver.stdout.on('data', onData);
  receiver.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  setTimeout(() => reject(new Error('receiver did not start within 10 s')), 10_000).unref();
});
// One log line per delivery: `[receiver] POST /valid -> 200 ...`, counted here.
let ledger = newLedger();
let pending = '';
receiver.stdout.on('data', (chunk) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop();
  for (const line of lines) {
    const match = /POST \/(\w+) -> (\d{3})/.exec(line);
    if (match) {
      const entry = (ledger[match[1]] ??= {});
      entry[match[2]] = (entry[match[2]] ?? 0) + 1;
    }
  }
});
function newLedger() {
  return {};
}
const rssMb = () => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${receiver.pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
};

// ---------------------------------------------------------------- deliveries

// Accepted once before the run; during it, each resend is a duplicate.
const accepted = [];
for (let i = 0; i < 50; i++) {
  const body = freshBody();
  const response = await fetch(url, { method: 'POST', body, headers: { 'x-promptfoo-signature': hmac(body) } });
  if (response.status !== 200) throw new Error(`seeding: ${response.status} ${await response.text()}`);
  accepted.push(body);
}

const expected = { valid: ['200'], duplicate: ['409'], tampered: ['401'], oversized: ['413'], malformed: ['400', '401'] };
const sent = {};

function request(cls, make) {
  return {
    method: 'POST',
    path: `/${cls}`,
    setupRequest(req) {
      const { body, signature } = make();
      sent[cls] = (sent[cls] ?? 0) + 1;
      return { ...req, path: `/${cls}`, body, headers: { 'content-type': 'application/json', ...(signature ? { 'x-promptfoo-signature': signature } : {}) } };
    },
  };
}

let n = 0;
const requests = [
  request('valid', () => {
    const body = freshBody();
    return { body, signature: hmac(body) };
  }),
  request('duplicate', () => {
    const body = accepted[n++ % accepted.length];
    return { body, signature: hmac(body) };
  }),
  request('tampered', () => {
    const body = freshBody();
    return { body: body.replace('"high"', '"hiGh"'), signature: hmac(body) };
  }),
  request('valid', () => {
    const body = freshBody();
    return { body: body, signature: hmac(body).toUpperCase() };
  }),
  request('malformed', () => (n++ % 2 ? { body: freshBody(), signature: 'not-a-hex-signature' } : { body: NOT_JSON, signature: hmac(NOT_JSON) })),
];
// An oversized body is 5 MiB on the wire: one in 200 requests keeps the run about verification.
const oversized = request('oversized', () => ({ body: OVERSIZED, signature: hmac('x') }));
const MIX = [...Array.from({ length: 199 }, (_, i) => requests[i % requests.length]), oversized];

// ---------------------------------------------------------------- run

function run(seconds) {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: MIX,
  });
}

console.log(`[load] receiver ${url} (pid ${receiver.pid}); warm-up 3 s, then ${SECONDS} s with ${CONNECTIONS} connections`);
await run(3);
await new Promise((resolve) => setTimeout(resolve, 500)); // the last log lines of the warm-up
ledger = newLedger();
for (const cls of Object.keys(sent)) delete sent[cls];
const rssWarm = rssMb();
const result = await run(SECONDS);
await new Promise((resolve) => setTimeout(resolve, 1000));
const rssEnd = rssMb();
receiver.kill('SIGTERM');

// ---------------------------------------------------------------- report

const answered = (cls) => Object.entries(ledger[cls] ?? {}).map(([status, count]) => `${status}:${count}`).join(' ') || 'nothing';
const sum = (predicate) =>
  Object.entries(ledger).reduce((total, [cls, byStatus]) => total + Object.entries(byStatus).filter(([status]) => predicate(cls, status)).reduce((a, [, k]) => a + k, 0), 0);
console.log(`[load] ${Math.round(result.requests.average).toLocaleString('en')} req/s on average, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; ${result.errors} socket errors (the receiver closes the connection after a 413), ${result.timeouts} timeouts`);
for (const cls of Object.keys(expected)) {
  console.log(`[load] ${cls.padEnd(10)} ${String(sent[cls] ?? 0).padStart(8)} sent, receiver answered ${answered(cls)}`);
}
const falseAccepts = sum((cls, status) => cls !== 'valid' && status.startsWith('2'));
const falseRejects = sum((cls, status) => cls === 'valid' && !status.startsWith('2'));
const serverErrors = sum((_, status) => status.startsWith('5'));
const unexpected = sum((cls, status) => !(expected[cls] ?? []).includes(status));
const growth = rssEnd - rssWarm;
console.log(`[load] false accepts ${falseAccepts}, false rejects ${falseRejects}, 5xx ${serverErrors}, any other unexpected status ${unexpected}`);
console.log(`[load] receiver RSS ${rssWarm.toFixed(1)} MB after warm-up -> ${rssEnd.toFixed(1)} MB at the end (growth ${growth.toFixed(1)} MB, limit ${MAX_RSS_GROWTH_MB} MB)`);
const failed = falseAccepts + falseRejects + serverErrors + unexpected > 0 || !(growth < MAX_RSS_GROWTH_MB) || !(ledger.valid?.['200'] > 0);
console.log(failed ? '[load] FAIL' : '[load] OK');
process.exitCode = failed ? 1 : 0;
