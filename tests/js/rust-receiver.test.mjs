// The native Rust receiver (examples/hyper_receiver.rs) over real HTTP on
// 127.0.0.1: it answers every delivery exactly as the Node receiver
// (js-examples/node-http-receiver.mjs) does, reads bodies bounded (413 from
// Content-Length before reading, a chunked body cut off past the limit),
// and refuses a bad secret at start-up. The cross-runtime matrix
// (matrix.test.mjs) runs its 24 vectors through it too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { DEFAULT_MAX_BODY_BYTES, generateSecret, sign, signPayload, SIGNATURE_HEADER } from 'promptfoo-webhooks';
import { startReceiver } from '../../js-examples/node-http-receiver.mjs';
import { sampleEvents } from '../../js-examples/sender.mjs';
import { buildRustReceiver, startRustReceiver } from './support/rust-receiver.mjs';

const NOW = Date.parse('2025-03-14T12:34:56.000Z');
const SECRET = generateSecret();
const OLD_SECRET = generateSecret();
const LIMIT = DEFAULT_MAX_BODY_BYTES; // the contract's, in both receivers
const WINDOW_SECONDS = 300;

let rust; // { url, port, lines(), stop() }
let node; // { url, close() }

before(async () => {
  await buildRustReceiver();
  rust = await startRustReceiver({
    PROMPTFOO_WEBHOOK_SECRET: `${SECRET},${OLD_SECRET}`,
    PROMPTFOO_WEBHOOK_TOLERANCE: String(WINDOW_SECONDS),
    PROMPTFOO_WEBHOOK_NOW_MS: String(NOW),
  });
  node = await startReceiver({ secret: [SECRET, OLD_SECRET], toleranceSeconds: WINDOW_SECONDS, now: () => NOW, log: () => {} });
});

after(async () => {
  await rust?.stop();
  await node?.close();
});

const signed = (text, secret = SECRET) => ({ body: text, headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: sign(text, secret) } });

/** A signed payload whose body is exactly `size` bytes. */
function payloadOfSize(size) {
  const base = { event: 'evaluation.created', timestamp: new Date(NOW).toISOString(), data: { jobId: 'job-1', pad: '' } };
  const empty = JSON.stringify(base).length;
  return signPayload({ ...base, data: { ...base.data, pad: 'x'.repeat(size - empty) } }, SECRET);
}

/** Every kind of delivery: [label, request init]. */
function deliveries() {
  const [created] = sampleEvents(NOW);
  const good = signPayload(created, SECRET);
  const withHeader = (value) => {
    const headers = { ...good.headers };
    if (value === undefined) delete headers[SIGNATURE_HEADER];
    else headers[SIGNATURE_HEADER] = value;
    return { method: 'POST', body: good.body, headers };
  };
  const post = ({ body, headers }) => ({ method: 'POST', body, headers });
  return [
    ...sampleEvents(NOW).map((event) => [`sample ${event.event}`, post(signPayload(event, SECRET))]),
    ['signed with the previous secret', post(signPayload(created, OLD_SECRET))],
    ['upper-case signature', withHeader(good.headers[SIGNATURE_HEADER].toUpperCase())],
    ['missing signature', withHeader(undefined)],
    ['malformed signature', withHeader('abc')],
    ['sha256= prefix', withHeader(`sha256=${good.headers[SIGNATURE_HEADER]}`)],
    ['wrong secret', post(signPayload(created, generateSecret()))],
    ['tampered body', { ...withHeader(good.headers[SIGNATURE_HEADER]), body: good.body.replace('"high"', '"low"') }],
    ['stale timestamp', post(signPayload({ ...created, timestamp: new Date(NOW - 3600_000).toISOString() }, SECRET))],
    ['future timestamp', post(signPayload({ ...created, timestamp: new Date(NOW + 3600_000).toISOString() }, SECRET))],
    ['edge of the window', post(signPayload({ ...created, timestamp: new Date(NOW - WINDOW_SECONDS * 1000).toISOString() }, SECRET))],
    ['not JSON', post(signed('{"event":'))],
    ['not a webhook payload', post(signed('{"hello":"world"}'))],
    ['bad timestamp', post(signed('{"event":"issue.created","timestamp":"yesterday","data":{}}'))],
    ['empty body, signed', post(signed(''))],
    ['exactly at the limit', post(payloadOfSize(LIMIT))],
    ['one byte over the limit', post(payloadOfSize(LIMIT + 1))],
    ['GET', { method: 'GET' }],
    ['PUT', { method: 'PUT', body: good.body, headers: good.headers }],
  ];
}

test('answers every kind of delivery with the status and body the Node receiver answers', async () => {
  const seen = new Map(); // status -> count, so the comparison is known to span them all
  for (const [label, init] of deliveries()) {
    const [fromRust, fromNode] = await Promise.all([fetch(rust.url, init), fetch(node.url, init)]);
    const [rustBody, nodeBody] = [await fromRust.json(), await fromNode.json()];
    assert.equal(fromRust.status, fromNode.status, label);
    assert.equal(fromRust.headers.get('content-type'), 'application/json', label);
    if (fromRust.status === 200) {
      // Node answers { received }; Rust also says which secret matched.
      const expectedIndex = label === 'signed with the previous secret' ? 1 : 0;
      assert.deepEqual(rustBody, { ...nodeBody, secretIndex: expectedIndex }, label);
    } else {
      assert.deepEqual(rustBody, nodeBody, label);
      assert.ok(!rustBody.message.includes(SECRET) && !rustBody.message.includes(OLD_SECRET), label);
    }
    if (fromRust.status === 405) assert.equal(fromRust.headers.get('allow'), 'POST', label);
    seen.set(fromRust.status, (seen.get(fromRust.status) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), [200, 400, 401, 405, 413]);
  assert.equal(seen.get(200), 10 + 4); // the samples, the old secret, upper case, the window's edge, the limit
});

test('GET is 405 method_not_allowed; malformed JSON with a good signature is 400 invalid_json', async () => {
  const get = await fetch(rust.url);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  assert.deepEqual(await get.json(), { error: 'method_not_allowed', message: 'webhooks are delivered with POST' });

  const { body, headers } = signed('{"event":"issue.created",');
  const malformed = await fetch(rust.url, { method: 'POST', body, headers });
  assert.equal(malformed.status, 400);
  const answer = await malformed.json();
  assert.equal(answer.error, 'invalid_json');
  assert.match(answer.message, /^invalid JSON at byte \d+/);
});

test('a Content-Length over the limit is answered 413 before any of the body is sent, and the connection closed', async () => {
  const declared = 64 * 1024 * 1024;
  // Only the head goes out: the body is never sent, so an answer proves the receiver did not wait for it.
  const { status, body, closedByServer } = await rawUpload((socket) => {
    socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n${SIGNATURE_HEADER}: ${'0'.repeat(64)}\r\n\r\n`);
  });
  assert.equal(status, 413);
  assert.deepEqual(JSON.parse(body), { error: 'body_too_large', message: `body of ${declared} bytes exceeds the limit of ${LIMIT} bytes` });
  assert.ok(closedByServer, 'the receiver closed the connection');
});

test('a chunked body is cut off with 413 as soon as it passes the limit, and the rest is not read', async () => {
  const total = 64 * 1024 * 1024; // what the client would send if nobody stopped it
  const chunk = 64 * 1024;
  const frame = `${chunk.toString(16)}\r\n${'x'.repeat(chunk)}\r\n`;
  const socket = connect(rust.port, '127.0.0.1');
  let response = '';
  socket.on('data', (data) => (response += data));
  socket.on('error', () => {}); // EPIPE or ECONNRESET once the receiver hangs up: expected
  const closed = new Promise((resolve) => socket.on('close', resolve));
  const timeout = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());
  await new Promise((resolve) => socket.once('connect', resolve));
  const writeUntil = async (target) => {
    while (socket.bytesWritten + socket.writableLength < target && !socket.destroyed) {
      if (!socket.write(frame)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
    }
  };
  socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n${SIGNATURE_HEADER}: ${'0'.repeat(64)}\r\n\r\n`);

  // 1. Two MiB past the limit, the body unfinished (no last chunk): the 413 comes now.
  await writeUntil(LIMIT + 2 * 1024 * 1024);
  for (let waited = 0; !/\r\n\r\n\{.*\}$/s.test(response) && waited < 5000; waited += 10) await timeout(10);
  const [head, body] = response.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
  assert.match(head, /\r\nconnection: close(\r\n|$)/i);
  const answer = JSON.parse(body);
  assert.equal(answer.error, 'body_too_large');
  // The size it reports is where it stopped reading: within one chunk past the limit.
  const size = Number(answer.message.match(/^body of (\d+) bytes exceeds the limit of 5242880 bytes$/)[1]);
  assert.ok(size > LIMIT && size <= LIMIT + chunk, `stopped at ${size}`);

  // 2. A client that keeps sending is cut off: the receiver closes the
  // connection long before 64 MiB are out (it discards at most another limit's worth).
  const writing = writeUntil(total);
  const hungUp = await Promise.race([closed.then(() => true), timeout(10_000).then(() => false)]);
  await writing;
  const sent = socket.bytesWritten;
  socket.destroy();
  assert.ok(hungUp, 'the receiver closed the connection');
  assert.ok(sent < total / 2, `the client got ${sent} of ${total} bytes out before the receiver hung up`);
});

test('logs one line per delivery, never a secret', async () => {
  // Its own receiver, so no line of another test can land in between.
  const receiver = await startRustReceiver({ PROMPTFOO_WEBHOOK_SECRET: `${SECRET},${OLD_SECRET}` });
  try {
    const good = signPayload(sampleEvents(NOW)[0], SECRET);
    await (await fetch(`${receiver.url}hooks/promptfoo?x=1`, { method: 'POST', ...good })).text();
    await (await fetch(receiver.url, { method: 'POST', body: good.body, headers: { ...good.headers, [SIGNATURE_HEADER]: sign(good.body, generateSecret()) } })).text();
    await (await fetch(receiver.url, { method: 'DELETE' })).text();
  } finally {
    await receiver.stop(); // after it, all it printed has been read
  }
  const [listening, ...deliveries] = receiver.lines();
  assert.equal(listening, `Listening on ${receiver.url} (Ctrl-C to stop)`);
  assert.equal(deliveries.length, 3, deliveries.join('\n'));
  assert.match(deliveries[0], /^\[receiver\] POST \/hooks\/promptfoo\?x=1 -> 200 accepted issue\.created 2025-03-14T12:34:56\.000Z \(secret #0\) \(\d+ ms\)$/);
  assert.match(deliveries[1], /^\[receiver\] POST \/ -> 401 rejected signature_mismatch: signature does not match the body \(\d+ ms\)$/);
  assert.match(deliveries[2], /^\[receiver\] DELETE \/ -> 405 method_not_allowed \(\d+ ms\)$/);
  assert.ok(receiver.lines().every((line) => !line.includes(SECRET) && !line.includes(OLD_SECRET)));
  assert.equal(receiver.stderr(), '');
});

test('a missing or unusable secret stops it at start-up with exit code 2', async () => {
  for (const [secret, expected] of [['', /PROMPTFOO_WEBHOOK_SECRET/], ['short', /invalid_secret/], [`${SECRET}, ${OLD_SECRET}`, /invalid_secret/]]) {
    const failed = await startRustReceiver({ PROMPTFOO_WEBHOOK_SECRET: secret }).then(
      async (started) => {
        await started.stop();
        return { exitCode: 'started' };
      },
      (error) => error,
    );
    assert.equal(failed.exitCode, 2, JSON.stringify(secret));
    assert.match(failed.stderr, expected);
    assert.ok(!failed.stderr.includes(SECRET));
  }
});

/**
 * Opens a raw connection to the Rust receiver and runs `send(socket)`;
 * resolves with the answer's status and body, and whether the receiver
 * closed the connection (within 5 s).
 */
function rawUpload(send) {
  return new Promise((resolve) => {
    const socket = connect(rust.port, '127.0.0.1');
    let response = '';
    let closedByServer = false;
    let timedOut = false;
    const finish = () => {
      clearTimeout(timer);
      const [head, body = ''] = response.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body, closedByServer });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, 5000);
    socket.on('connect', () => send(socket));
    socket.on('data', (chunk) => (response += chunk));
    socket.on('error', () => {}); // a reset after the answer (the rest of the body was unread) is a hang-up too
    socket.on('close', () => {
      closedByServer = !timedOut;
      finish();
    });
  });
}
