// Interop: payloads built and signed in Rust (examples/build_and_sign.rs)
// against the integration document's own Node sample, which verifies
// `JSON.stringify(req.body)` after `express.json()` parsed the body.
//
// That sample only works if what the sender signed is byte for byte what
// V8's JSON.stringify prints for the parsed object. The Rust payloads carry
// everything that breaks naive serializers (accents, CJK, emoji, U+2028,
// escaped control characters, 1e21, 5e-324, 2^53 + 1, array-index keys), so
// this is the end-to-end check that the crate's writer is V8's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express from 'express';
import {
  verify,
  verifySignature,
  canonicalize,
  Webhook,
  WebhookVerificationError,
  SIGNATURE_HEADER,
} from 'promptfoo-webhooks';

const SECRET = 'whsec-doc-sample-0123456789abcdef';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EVENT_NAMES = [
  'issue.created',
  'issue.updated',
  'issue.status_changed',
  'issue.severity_changed',
  'issue.comment_added',
  'remediation.created',
  'evaluation.created',
  'evaluation.completed',
  'evaluation.failed',
];

// ---------------------------------------------------------------- the document's sample
// Copied from the integration document (reference/promptfoo-webhooks-doc.txt),
// changed only where a test needs it: ESM imports, the secret, and recording
// the event instead of console.log.

function verifyWebhookSignature(payload, signature, secret) {
  const expectedSignature = crypto.createHmac('sha256', secret).update(JSON.stringify(payload)).digest('hex');

  return crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expectedSignature));
}

const received = [];
const app = express();
// Keeps Express's default error handler from printing the stack of the
// expected 500 below into the test output; the response is the same.
app.set('env', 'test');
app.use(express.json());

app.post('/webhook-endpoint', (req, res) => {
  const payload = req.body;
  const signature = req.headers['x-promptfoo-signature'];
  const webhookSecret = SECRET;

  if (!verifyWebhookSignature(payload, signature, webhookSecret)) {
    return res.status(401).send('Invalid signature');
  }

  // Process the webhook
  received.push(payload.event);
  res.status(200).send('Webhook received');
});

// The same parsed body through this library, for comparison.
const webhook = new Webhook(SECRET, { allowParsedBody: true });
app.post('/library', (req, res) => {
  try {
    const event = webhook.verify(req.body, req.headers['x-promptfoo-signature']);
    res.status(200).json({ received: event.event });
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    res.status(401).json({ error: error.code });
  }
});

// ---------------------------------------------------------------- set-up

let server;
let baseUrl;
/** @type {Array<{ signature: string, body: string }>} */
let deliveries;

before(async () => {
  const output = execFileSync('cargo', ['run', '--quiet', '--example', 'build_and_sign', '--', SECRET], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  deliveries = output
    .trimEnd()
    .split('\n')
    .map((line) => {
      const [signature, base64] = line.split('\t');
      return { signature, body: Buffer.from(base64, 'base64').toString('utf8') };
    });
  server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve(s)));
  });
  baseUrl = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server?.closeAllConnections();
  server?.close();
  webhook.dispose();
});

const post = (path, body, signature) =>
  fetch(`${baseUrl}${path}`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: signature },
  });

// ---------------------------------------------------------------- tests

test('the Rust example prints one signed payload of each of the nine events, with the tricky content', () => {
  assert.equal(deliveries.length, 9);
  assert.deepEqual(
    deliveries.map(({ body }) => JSON.parse(body).event),
    EVENT_NAMES,
  );
  const all = deliveries.map(({ body }) => body).join('\n');
  for (const needle of ['café', '個人情報', '🔥', '\u2028', '1e+21', '5e-324', '9007199254740992', '\\u0001']) {
    assert.ok(all.includes(needle), `bodies contain ${JSON.stringify(needle)}`);
  }
  for (const { signature, body } of deliveries) {
    assert.match(signature, /^[0-9a-f]{64}$/);
    // Rust's signature is node:crypto's HMAC over the same bytes...
    assert.equal(signature, crypto.createHmac('sha256', SECRET).update(body).digest('hex'));
    // ...and the body is already what JSON.stringify(JSON.parse(body)) prints.
    assert.equal(JSON.stringify(JSON.parse(body)), body);
    assert.equal(canonicalize(body), body);
  }
});

test("the document's Node sample accepts every Rust-built payload (200)", async () => {
  received.length = 0;
  for (const { signature, body } of deliveries) {
    const event = JSON.parse(body).event;
    const response = await post('/webhook-endpoint', body, signature);
    assert.equal(response.status, 200, event);
    assert.equal(await response.text(), 'Webhook received');
  }
  assert.deepEqual(received, EVENT_NAMES);
});

test('this library accepts the same payloads, raw and parsed', async () => {
  for (const { signature, body } of deliveries) {
    const event = verify(body, signature, SECRET);
    assert.equal(JSON.stringify(event), body);
    const response = await post('/library', body, signature);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { received: event.event });
  }
});

test('a tampered payload is refused (401) by the sample and by the library', async () => {
  const { signature, body } = deliveries[0];
  const tampered = body.replace('"severity":"high"', '"severity":"low"');
  assert.notEqual(tampered, body);
  const response = await post('/webhook-endpoint', tampered, signature);
  assert.equal(response.status, 401);
  assert.equal(await response.text(), 'Invalid signature');
  assert.equal((await post('/library', tampered, signature)).status, 401);
  assert.throws(() => verify(tampered, signature, SECRET), { name: 'WebhookVerificationError', code: 'signature_mismatch' });
});

// The document's sample hands the header straight to crypto.timingSafeEqual,
// which THROWS when the two buffers differ in length. Any signature that is
// not exactly 64 characters therefore crashes the handler and Express answers
// 500 (a server error, logged as such, instead of a 401). This library never
// throws on a bad signature value from verifySignature, and verify() reports
// it as a WebhookVerificationError with code `malformed_signature`.
test('a 3-character signature: the sample answers 500, the library says malformed_signature', async () => {
  const { body } = deliveries[0];
  const response = await post('/webhook-endpoint', body, 'abc');
  assert.equal(response.status, 500);
  assert.throws(
    () => crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('a'.repeat(64))),
    { code: 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH' },
  );

  assert.throws(() => verify(body, 'abc', SECRET), (error) => {
    assert.ok(error instanceof WebhookVerificationError);
    assert.equal(error.code, 'malformed_signature');
    return true;
  });
  assert.equal(verifySignature(body, 'abc', SECRET), false);
  const library = await post('/library', body, 'abc');
  assert.equal(library.status, 401);
  assert.deepEqual(await library.json(), { error: 'malformed_signature' });
});
