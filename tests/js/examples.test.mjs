// The runnable examples in js-examples/ do what their comments say: both
// receivers accept every sample event and map each failure to its status,
// the sender CLI reports per event, and the demo exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { generateSecret, sign, signPayload, SIGNATURE_HEADER } from 'promptfoo-webhooks';
import { startReceiver } from '../../js-examples/node-http-receiver.mjs';
import { startExpressReceiver } from '../../js-examples/express-receiver.mjs';
import { sampleEvents } from '../../js-examples/sender.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NOW = Date.parse('2025-03-14T12:34:56.000Z');
const SECRET = generateSecret();

const post = (url, body, headers) => fetch(url, { method: 'POST', body, headers });
const signed = (text, secret = SECRET) => ({
  body: text,
  headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: sign(text, secret) },
});

/** Every failure a receiver must map, with the status and code both examples answer. */
function badDeliveries() {
  const [created] = sampleEvents(NOW);
  const good = signPayload(created, SECRET);
  const withHeader = (value) => {
    const headers = { ...good.headers };
    if (value === undefined) delete headers[SIGNATURE_HEADER];
    else headers[SIGNATURE_HEADER] = value;
    return { body: good.body, headers };
  };
  return [
    ['missing signature', withHeader(undefined), 401, 'missing_signature'],
    ['malformed signature', withHeader('abc'), 401, 'malformed_signature'],
    ['wrong secret', signPayload(created, generateSecret()), 401, 'signature_mismatch'],
    ['tampered body', { ...good, body: good.body.replace('"high"', '"low"') }, 401, 'signature_mismatch'],
    ['stale timestamp', signPayload({ ...created, timestamp: new Date(NOW - 3600_000).toISOString() }, SECRET), 400, 'timestamp_outside_window'],
    ['future timestamp', signPayload({ ...created, timestamp: new Date(NOW + 3600_000).toISOString() }, SECRET), 400, 'timestamp_outside_window'],
    ['not JSON', signed('{"event":'), 400, 'invalid_json'],
    ['not a webhook payload', signed('{"hello":"world"}'), 400, 'invalid_payload'],
  ];
}

async function expectAllSamplesAccepted(url, events) {
  for (const payload of sampleEvents(NOW)) {
    const { body, headers } = signPayload(payload, SECRET);
    const response = await post(url, body, headers);
    assert.equal(response.status, 200, payload.event);
    assert.deepEqual(await response.json(), { received: payload.event });
  }
  assert.equal(events.length, 10);
  assert.deepEqual(events.map((e) => e.event), sampleEvents(NOW).map((p) => p.event));
  assert.deepEqual(events[1].data.eventData.changes, ['status changed to fixed', 'severity changed to low']);
}

async function expectRejections(url) {
  for (const [name, { body, headers }, status, code] of badDeliveries()) {
    const response = await post(url, body, headers);
    assert.equal(response.status, status, name);
    const answer = await response.json();
    assert.equal(answer.error, code, name);
    assert.equal(typeof answer.message, 'string');
    assert.ok(!answer.message.includes(SECRET));
  }
}

test('sampleEvents: the nine documented events plus an unknown one, all at `now`', () => {
  const events = sampleEvents(NOW);
  assert.deepEqual(events.map((e) => e.event), [
    'issue.created', 'issue.updated', 'issue.status_changed', 'issue.severity_changed', 'issue.comment_added',
    'remediation.created', 'evaluation.created', 'evaluation.completed', 'evaluation.failed', 'issue.archived',
  ]);
  for (const event of events) assert.equal(event.timestamp, '2025-03-14T12:34:56.000Z');
  assert.equal(events[1].data.userId, 'user-123');
  assert.deepEqual(events[2].data.eventData.changes, ['status changed to fixed']);
});

test('node-http receiver: accepts every sample, maps every failure, counts them', async () => {
  const events = [];
  const lines = [];
  const receiver = await startReceiver({ secret: SECRET, toleranceSeconds: 300, now: () => NOW, onEvent: (e) => events.push(e), log: (l) => lines.push(l) });
  try {
    assert.match(receiver.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    await expectAllSamplesAccepted(receiver.url, events);
    await expectRejections(receiver.url);
    const get = await fetch(receiver.url);
    assert.equal(get.status, 405);
    assert.equal((await get.json()).error, 'method_not_allowed');
    const bad = badDeliveries().length;
    assert.equal(receiver.stats.received, 10 + bad + 1);
    assert.equal(receiver.stats.accepted, 10);
    assert.equal(receiver.stats.rejected, bad + 1);
    assert.equal(receiver.stats.byCode.signature_mismatch, 2);
    assert.equal(lines.length, receiver.stats.received, 'one log line per delivery');
    assert.ok(lines.every((l) => !l.includes(SECRET)));
  } finally {
    await receiver.close();
  }
});

test('node-http receiver: 413 from content-length before reading, and mid-stream when chunked', async () => {
  const receiver = await startReceiver({ secret: SECRET, maxBodyBytes: 1024, log: () => {} });
  try {
    const big = signPayload({ event: 'x.y', timestamp: new Date(NOW).toISOString(), data: { pad: 'x'.repeat(2048) } }, SECRET);
    const declared = await post(receiver.url, big.body, big.headers);
    assert.equal(declared.status, 413);
    assert.equal((await declared.json()).error, 'body_too_large');

    // A chunked upload (no content-length) over a raw socket: the receiver
    // must answer 413 once past the limit and close the connection, never
    // wait for (or drain) the rest. The body here is never finished.
    const { status, closedByServer } = await chunkedUpload(receiver.url, big.headers[SIGNATURE_HEADER]);
    assert.equal(status, 413);
    assert.ok(closedByServer, 'the receiver closed the connection');

    // Exactly at the limit is fine.
    const fits = signed(JSON.stringify({ event: 'x.y', timestamp: 't', data: { pad: '' } }));
    fits.body = fits.body.replace('"pad":""', `"pad":"${'x'.repeat(1024 - fits.body.length)}"`);
    assert.equal(Buffer.byteLength(fits.body), 1024);
    const ok = await post(receiver.url, fits.body, signed(fits.body).headers);
    assert.equal(ok.status, 200);
  } finally {
    await receiver.close();
  }
});

/** Sends 64 KiB in chunks and never ends the body; resolves when the server answers and hangs up (or after 2 s). */
function chunkedUpload(url, signature) {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let response = '';
    let closedByServer = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ status: Number(response.split(' ')[1]), closedByServer });
    }, 2000);
    socket.on('connect', () => {
      socket.write(
        'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          `Transfer-Encoding: chunked\r\n${SIGNATURE_HEADER}: ${signature}\r\n\r\n`,
      );
      for (let i = 0; i < 128; i++) socket.write(`200\r\n${' '.repeat(512)}\r\n`);
    });
    socket.on('data', (chunk) => (response += chunk));
    socket.on('error', () => {}); // a reset after the answer is a hang-up too
    socket.on('close', () => {
      closedByServer = true;
      clearTimeout(timer);
      resolve({ status: Number(response.split(' ')[1]), closedByServer });
    });
  });
}

test('node-http receiver: a bad secret fails at start-up, not on the first delivery', async () => {
  await assert.rejects(startReceiver({ secret: '   ' }), { name: 'WebhookVerificationError', code: 'invalid_secret' });
});

test('Express receiver: raw body route accepts every sample and maps every failure', async () => {
  const events = [];
  const lines = [];
  const receiver = await startExpressReceiver({ secret: SECRET, toleranceSeconds: 300, now: () => NOW, onEvent: (e) => events.push(e), log: (l) => lines.push(l) });
  try {
    assert.match(receiver.url, /^http:\/\/127\.0\.0\.1:\d+\/webhook$/);
    await expectAllSamplesAccepted(receiver.url, events);
    await expectRejections(receiver.url);

    const [created] = sampleEvents(NOW);
    const { body, headers } = signPayload(created, SECRET);
    const text = await post(receiver.url, body, { ...headers, 'Content-Type': 'text/plain' });
    assert.equal(text.status, 415);
    assert.equal((await text.json()).error, 'unsupported_body');

    const huge = signPayload({ ...created, data: { ...created.data, pad: 'x'.repeat(5 * 1024 * 1024) } }, SECRET);
    const tooLarge = await post(receiver.url, huge.body, huge.headers);
    assert.equal(tooLarge.status, 413);
    assert.equal((await tooLarge.json()).error, 'body_too_large');
    assert.ok(lines.length >= 10 + badDeliveries().length + 2);
  } finally {
    await receiver.close();
  }
});

test('sender CLI: prints a status per event and exits 0 when all were accepted, 1 otherwise', async () => {
  const receiver = await startReceiver({ secret: SECRET, log: () => {} });
  try {
    const env = { ...process.env, PROMPTFOO_WEBHOOK_SECRET: SECRET };
    const { stdout } = await run(process.execPath, ['js-examples/sender.mjs', receiver.url], { cwd: ROOT, env });
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.length, 10);
    assert.ok(lines.every((l) => l.startsWith('200 ')), stdout);

    const wrong = { ...env, PROMPTFOO_WEBHOOK_SECRET: generateSecret(), WEBHOOK_URL: receiver.url };
    const failed = await run(process.execPath, ['js-examples/sender.mjs'], { cwd: ROOT, env: wrong }).catch((e) => e);
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout.trimEnd().split('\n').filter((l) => l.startsWith('401 ')).length, 10);
  } finally {
    await receiver.close();
  }
});

test('demo: every delivery ends as expected and it exits 0', async () => {
  const { stdout } = await run(process.execPath, ['js-examples/demo.mjs'], { cwd: ROOT });
  assert.match(stdout, /Genuine deliveries accepted: +10 of 10/);
  assert.match(stdout, /Bad deliveries refused for the right reason: 7 of 7/);
  assert.match(stdout, /Every delivery ended as expected\./);
  assert.doesNotMatch(stdout, /\bNO \(wanted/);
});
