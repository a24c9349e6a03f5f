// What a TypeScript or framework user meets first (issue 12): the header as
// frameworks hand it, one error class for ESM and CommonJS, readable stacks
// from the Node builds, and builders for every event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildEvent, EVENT_NAMES, sampleEvent, signPayload, verify, verifySignature, Webhook, WebhookVerificationError } from 'promptfoo-webhooks';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'whsec-ergonomics-0123456789abcdef';
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');

test('a signature given as Node types a header: an array of one string is that string, any other array is malformed', () => {
  for (const size of [100, 2048]) {
    const payload = sampleEvent('issue.created');
    payload.data.eventData = { pad: 'x'.repeat(size) };
    const body = JSON.stringify(payload);
    const signature = hmac(body);
    assert.equal(verify(body, [signature], SECRET).event, 'issue.created');
    assert.equal(new Webhook(SECRET).verify(body, [signature.toUpperCase()]).event, 'issue.created');
    assert.equal(verifySignature(body, [signature], SECRET), true);
    for (const many of [[], [signature, signature], [42]]) {
      assert.throws(() => verify(body, many, SECRET), { code: 'malformed_signature' }, JSON.stringify(many));
      assert.equal(verifySignature(body, many, SECRET), false);
    }
  }
});

test('one WebhookVerificationError class for the ESM and CommonJS builds (and for subclasses, the usual check)', () => {
  const cjs = require('promptfoo-webhooks');
  let fromRequire;
  try {
    cjs.verify('{}', 'not hex', SECRET);
  } catch (error) {
    fromRequire = error;
  }
  assert.notEqual(cjs.WebhookVerificationError, WebhookVerificationError, 'two builds, two classes');
  assert.ok(fromRequire instanceof WebhookVerificationError, 'an error of the require() build is an instance of the import() class');
  assert.ok(fromRequire instanceof cjs.WebhookVerificationError);
  assert.ok(fromRequire instanceof Error);
  assert.ok(!(new Error('x') instanceof WebhookVerificationError));
  assert.ok(!({ code: 'signature_mismatch' } instanceof WebhookVerificationError), 'a look-alike object is not one');
  class Mine extends WebhookVerificationError {}
  assert.ok(new Mine('signature_mismatch', 'm') instanceof Mine);
  assert.ok(!(fromRequire instanceof Mine));
});

test('an uncaught error from the Node build prints a short stack with real names and lines', () => {
  const script = `import { Webhook } from 'promptfoo-webhooks'; new Webhook(process.env.UNSET ?? '');`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.notEqual(result.status, 0);
  assert.ok(result.stderr.length < 4000, `${result.stderr.length} characters on stderr`);
  assert.match(result.stderr, /WebhookVerificationError: invalid secret: the secret is empty/);
  assert.match(result.stderr, /at new Webhook \(.*dist\/node\.js:\d+:\d+\)/);
});

test('buildEvent makes the payload of every event, checked against the contract', () => {
  for (const name of EVENT_NAMES) {
    const { data } = sampleEvent(name);
    const event = buildEvent(name, data, { timestamp: '2025-03-14T12:34:56Z' });
    assert.deepEqual(Object.keys(event), ['event', 'timestamp', 'data']);
    const { body, headers } = signPayload(event, SECRET);
    assert.deepEqual(verify(body, headers['X-Promptfoo-Signature'], SECRET), event);
  }
  assert.throws(() => buildEvent('issue.updated', { issue: { id: 'i-1' } }), { code: 'invalid_payload', path: '$.data.eventData' });
  assert.throws(() => buildEvent('issue.created', { issue: { id: 7 } }), { code: 'invalid_payload', path: '$.data.issue.id' });
  // A later event: the envelope only.
  assert.equal(buildEvent('issue.archived', { issueId: 'i-1' }).event, 'issue.archived');
  assert.throws(() => buildEvent('issue.archived', []), { code: 'invalid_payload', path: '$.data' });
});

test('a secret that is not set is invalid_secret when the receiver is built; in a rotation list an unset entry is left out', async () => {
  const { createNodeMiddleware, createFetchHandler, Webhooks } = await import('promptfoo-webhooks');
  for (const build of [
    () => new Webhook(undefined),
    () => new Webhook(null),
    () => new Webhook([undefined, null]),
    () => new Webhooks({ secret: undefined }),
    () => createNodeMiddleware(process.env.PROMPTFOO_WEBHOOK_SECRET_THAT_IS_NOT_SET),
    () => createFetchHandler([process.env.PROMPTFOO_WEBHOOK_SECRET_THAT_IS_NOT_SET]),
  ]) {
    assert.throws(build, { name: 'WebhookVerificationError', code: 'invalid_secret', message: /no secret was given/ });
  }
  // Mid-rotation, with the old secret's variable already removed: secretIndex is the position given.
  const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
  const event = new Webhook([undefined, SECRET]).verify(body, headers['X-Promptfoo-Signature']);
  assert.equal(event.secretIndex, 1);
  const large = signPayload({ ...sampleEvent('issue.created'), data: { ...sampleEvent('issue.created').data, eventData: { pad: 'x'.repeat(2048) } } }, SECRET);
  assert.equal(verify(large.body, large.headers['X-Promptfoo-Signature'], [null, 'whsec-other-0123456789abcdef', SECRET]).secretIndex, 2);
});

test('one diagnosis for a body a parser already read, on every path: verify, Webhook.verify, the middleware; the fetch handler names the Fetch-world fix', async () => {
  const { createFetchHandler, createNodeMiddleware } = await import('promptfoo-webhooks');
  const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
  const parsed = JSON.parse(body);
  const signature = headers['X-Promptfoo-Signature'];
  const errors = [];
  const catchIt = (fn) => {
    try {
      fn();
    } catch (error) {
      errors.push({ code: error.code, hint: error.hint, message: error.message });
    }
  };
  catchIt(() => verify(parsed, signature, SECRET));
  catchIt(() => new Webhook(SECRET).verify(parsed, signature));
  // The middleware after express.json(): req.body is the parsed object, and req.app Express's application.
  const heard = [];
  const middleware = createNodeMiddleware(SECRET, { onError: (error) => heard.push(error), logger: false });
  const written = {};
  const res = { headersSent: false, writeHead: (status) => (written.status = status), end: (text) => (written.body = JSON.parse(text)) };
  const req = { method: 'POST', url: '/', headers: { 'content-type': 'application/json', 'x-promptfoo-signature': signature }, body: parsed, app: { handle() {} }, readableEnded: true, on() {}, off() {}, pause() {}, resume() {} };
  await middleware(req, res);
  assert.equal(written.status, 500);
  assert.equal(written.body.error, 'parsed_body_mismatch');
  // The fetch handler after another middleware read the Request (Hono's c.req.json(), say): a 500 the receiver's owner hears of, not a 415 blaming the sender.
  const logged = [];
  const handler = createFetchHandler(SECRET, { logger: { error: (...args) => logged.push(args) } });
  const request = new Request('http://127.0.0.1/', { method: 'POST', body, headers });
  await request.json();
  const response = await handler(request);
  assert.equal(response.status, 500);
  const answer = await response.json();
  assert.equal(answer.error, 'parsed_body_mismatch');
  assert.match(answer.message, /already read by other middleware/);
  assert.equal(logged.length, 1, 'the 500 is logged with its reason');
  // A Request already read is the Fetch world's form of the mistake: the same code, and a hint with that world's fix.
  assert.match(answer.hint, /register the webhook route before that middleware/);
  // Every path given a parsed body gives the same code and the same hint, naming the fix.
  const hints = new Set([...errors.map((e) => e.hint), written.body.hint, heard[0]?.hint]);
  assert.equal(errors.length, 2);
  assert.ok(errors.every((e) => e.code === 'parsed_body_mismatch'));
  assert.equal(hints.size, 1, [...hints].join('\n'));
  assert.match([...hints][0], /A body parser ran before the webhook: mount the webhook route before express\.json\(\)/);
});
