// The demo (`make demo`): a receiver and a sender talking over real HTTP on
// 127.0.0.1, showing what gets accepted and what gets refused, and why.
//
//   node js-examples/demo.mjs            the table
//   node js-examples/demo.mjs --verbose  plus the receiver's own log lines
//
// It starts js-examples/node-http-receiver.mjs with a freshly generated
// secret and a 300 s replay window, sends one genuine delivery of every event
// type (js-examples/sender.mjs builds them), then a handful of bad ones, and
// prints one row per delivery. Exit code 0 when every delivery ended as
// expected, 1 otherwise.
import { DEFAULT_MAX_BODY_BYTES, generateSecret, sign, signPayload, SIGNATURE_HEADER } from 'promptfoo-webhooks';
import { startReceiver } from './node-http-receiver.mjs';
import { sampleEvents } from './sender.mjs';

const verbose = process.argv.includes('--verbose');
const TOLERANCE_SECONDS = 300;
const MAX_BODY_BYTES = DEFAULT_MAX_BODY_BYTES;

const secret = generateSecret(); // 64 hex characters, as Promptfoo generates them
const now = Date.now();
// ---------------------------------------------------------------- what we send

const accepted = (label, payload) => ({ label, ...signPayload(payload, secret), expect: { status: 200 } });
const rejected = (label, delivery, status, code) => ({ label, ...delivery, expect: { status, code } });

const genuine = sampleEvents(now).map((payload) => accepted(payload.event, payload));

const [created, updated] = sampleEvents(now);
const tampered = signPayload(updated, secret);
const hourAgo = { ...created, timestamp: new Date(now - 3600_000).toISOString() };
const goodSignature = signPayload(created, secret);
const oversized = {
  event: 'evaluation.completed',
  timestamp: new Date(now).toISOString(),
  data: { jobId: 'job-42', progress: { log: 'x'.repeat(MAX_BODY_BYTES + 1024 * 1024) } },
};

const bad = [
  rejected(
    'tampered: severity edited after signing',
    { ...tampered, body: tampered.body.replace('"severity":"low"', '"severity":"critical"') },
    401,
    'signature_mismatch',
  ),
  rejected('stale: timestamp one hour old', signPayload(hourAgo, secret), 400, 'timestamp_outside_window'),
  rejected('signed with the wrong secret', signPayload(created, generateSecret()), 401, 'signature_mismatch'),
  rejected(
    'malformed signature ("sha256=" prefix)',
    withSignature(goodSignature, `sha256=${goodSignature.headers[SIGNATURE_HEADER]}`),
    401,
    'malformed_signature',
  ),
  rejected('no signature header', withSignature(goodSignature, undefined), 401, 'missing_signature'),
  rejected('oversized body (6 MiB, limit 5 MiB)', signPayload(oversized, secret), 413, 'body_too_large'),
  // signPayload refuses to sign this (it checks what it signs), so sign() the bytes directly.
  rejected('signed, but not a webhook payload', signedText('{"hello":"world"}'), 400, 'invalid_payload'),
];

function signedText(body) {
  return { body, headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: sign(body, secret) } };
}

function withSignature(delivery, signature) {
  const headers = { ...delivery.headers };
  if (signature === undefined) delete headers[SIGNATURE_HEADER];
  else headers[SIGNATURE_HEADER] = signature;
  return { ...delivery, headers };
}

// ---------------------------------------------------------------- send and compare

const receiverLog = [];
const receiver = await startReceiver({
  secret,
  toleranceSeconds: TOLERANCE_SECONDS,
  maxBodyBytes: MAX_BODY_BYTES,
  log: (line) => receiverLog.push(line),
});

const rows = [];
try {
  for (const delivery of [...genuine, ...bad]) {
    let status;
    let code;
    try {
      const response = await fetch(receiver.url, { method: 'POST', body: delivery.body, headers: delivery.headers });
      status = response.status;
      const answer = await response.json();
      code = answer.error;
    } catch (error) {
      status = 'ERR';
      code = error.cause?.code ?? error.message;
    }
    const ok = status === delivery.expect.status && code === delivery.expect.code;
    rows.push({ delivery, status, code, ok });
  }
} finally {
  await receiver.close();
}

// ---------------------------------------------------------------- report

const sizeOf = (body) => {
  const n = Buffer.byteLength(body);
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${n} B`;
};
const table = [
  ['#', 'delivery', 'body', 'status', 'outcome', 'as expected'],
  ...rows.map(({ delivery, status, code, ok }, i) => [
    String(i + 1),
    delivery.label,
    sizeOf(delivery.body),
    String(status),
    code === undefined ? 'accepted' : `rejected: ${code}`,
    ok ? 'yes' : `NO (wanted ${delivery.expect.status} ${delivery.expect.code ?? 'accepted'})`,
  ]),
];
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
const line = (row) => row.map((cell, c) => (c === 0 || c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();

console.log('promptfoo-webhooks demo');
console.log(`receiver:  ${receiver.url} (js-examples/node-http-receiver.mjs)`);
console.log(`secret:    a fresh one from generateSecret(); replay window ${TOLERANCE_SECONDS} s; body limit ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
console.log('');
console.log(line(table[0]));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
table.slice(1, genuine.length + 1).forEach((row) => console.log(line(row)));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
table.slice(genuine.length + 1).forEach((row) => console.log(line(row)));
console.log('');

const genuineOk = rows.slice(0, genuine.length).filter((r) => r.ok).length;
const badOk = rows.slice(genuine.length).filter((r) => r.ok).length;
console.log(`Genuine deliveries accepted:                 ${genuineOk} of ${genuine.length}`);
console.log(`Bad deliveries refused for the right reason: ${badOk} of ${bad.length}`);
console.log(`The receiver counted:                        ${receiver.stats.accepted} accepted, ${receiver.stats.rejected} rejected`);
console.log('');
console.log('401 = not from Promptfoo (no, malformed or wrong signature; body changed on the way);');
console.log('400 = authentic but unusable (outside the replay window, not a webhook payload);');
console.log('413 = refused before reading past the size limit.');

if (verbose) {
  console.log('\nWhat the receiver logged:');
  for (const entry of receiverLog) console.log(`  ${entry}`);
}

const allOk = rows.every((r) => r.ok);
console.log(allOk ? '\nEvery delivery ended as expected.' : '\nSOME DELIVERIES DID NOT END AS EXPECTED (see the last column).');
process.exitCode = allOk ? 0 : 1;
