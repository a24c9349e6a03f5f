// The package's public API from Node ESM, checked against node:crypto and
// the shared vectors in tests/vectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import {
  verify,
  verifySignature,
  sign,
  canonicalize,
  parseEvent,
  Webhook,
  signPayload,
  issueChangeEvent,
  generateSecret,
  validateWebhookConfig,
  WebhookVerificationError,
  SIGNATURE_HEADER,
  isKnownEvent,
} from 'promptfoo-webhooks';

const SECRET = 'whsec-test-0123456789abcdef';
const OTHER_SECRET = 'whsec-other-0123456789abcdef';
const vectors = JSON.parse(readFileSync(new URL('../vectors/events.json', import.meta.url), 'utf8'));
const invalidPayloads = JSON.parse(readFileSync(new URL('../vectors/invalid-payloads.json', import.meta.url), 'utf8'));

const hmac = (body, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

function codeOf(fn) {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError, `expected WebhookVerificationError, got ${error}`);
    return error.code;
  }
  assert.fail('expected a throw');
}

test('every vector verifies from string, Buffer, Uint8Array and ArrayBuffer bodies', () => {
  assert.ok(vectors.length >= 10);
  for (const { name, payload } of vectors) {
    const body = JSON.stringify(payload);
    const signature = hmac(body);
    const buffer = Buffer.from(body);
    const bodies = [body, buffer, new Uint8Array(buffer), buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)];
    // What arrives is the wire form: -0 became 0 and Infinity null on the way.
    const sent = JSON.parse(body);
    for (const form of bodies) {
      const event = verify(form, signature, SECRET);
      assert.deepEqual(event, sent, name);
      assert.equal(JSON.stringify(event), body, `${name}: re-stringifies to the signed bytes`);
      assert.equal(event.secretIndex, 0);
      assert.ok(!Object.keys(event).includes('secretIndex'));
    }
  }
});

test('sign equals node:crypto HMAC-SHA256 hex for text and bytes, including unicode', () => {
  for (const body of ['', 'a', '{"x":"é😀\u2028"}', 'x'.repeat(100_000)]) {
    assert.equal(sign(body, SECRET), hmac(body));
    assert.equal(sign(Buffer.from(body), SECRET), hmac(body));
  }
});

test('upper-case hex signatures are accepted', () => {
  const body = JSON.stringify(vectors[0].payload);
  assert.equal(verify(body, hmac(body).toUpperCase(), SECRET).event, vectors[0].payload.event);
});

test('tampered, missing and malformed signatures are rejected with their codes', () => {
  const body = JSON.stringify(vectors[0].payload);
  const signature = hmac(body);
  assert.equal(codeOf(() => verify(body.replace('issue', 'isSue'), signature, SECRET)), 'signature_mismatch');
  assert.equal(codeOf(() => verify(body, hmac(body, OTHER_SECRET), SECRET)), 'signature_mismatch');
  assert.equal(codeOf(() => verify(body, undefined, SECRET)), 'missing_signature');
  assert.equal(codeOf(() => verify(body, '', SECRET)), 'missing_signature');
  assert.equal(codeOf(() => verify(body, 'abc', SECRET)), 'malformed_signature');
  assert.equal(codeOf(() => verify(body, `sha256=${signature}`, SECRET)), 'malformed_signature');
  assert.equal(codeOf(() => verify(body, signature.slice(1) + 'z', SECRET)), 'malformed_signature');
});

test('every error carries a hint and never the secret', () => {
  const body = JSON.stringify(vectors[0].payload);
  for (const attempt of [
    () => verify(body, hmac(body, OTHER_SECRET), SECRET),
    () => verify(body, 'nope', SECRET),
    () => verify(body, hmac(body), 'short-secret'),
    () => verify(body, hmac(body), ` ${SECRET}`),
  ]) {
    try {
      attempt();
      assert.fail('expected a throw');
    } catch (error) {
      assert.ok(error instanceof WebhookVerificationError);
      assert.ok(error.hint.length > 10, error.code);
      for (const shown of [error.message, error.hint, inspect(error), JSON.stringify(error)]) {
        assert.ok(!shown.includes(SECRET) && !shown.includes('short-secret'), shown);
      }
    }
  }
});

test('unusable secrets are invalid_secret, never a silent accept', () => {
  const body = '{}';
  for (const secret of ['', '   ', '\n', 'short', `${SECRET}\n`, []]) {
    assert.equal(codeOf(() => verify(body, hmac(body, 'x'), secret)), 'invalid_secret', JSON.stringify(secret));
    assert.equal(codeOf(() => sign(body, secret)), 'invalid_secret');
  }
  assert.throws(() => verify(body, hmac(body), 42), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => verify(body, hmac(body), [SECRET, 42]), { name: 'TypeError' });
  // An entry that is not set (an unset environment variable) is left out of a rotation list; all unset is invalid_secret.
  assert.equal(codeOf(() => verify(body, hmac(body), [SECRET, null])), 'invalid_payload');
  assert.equal(codeOf(() => verify(body, hmac(body), [null, undefined])), 'invalid_secret');
});

test('rotation: any secret may match and the result says which', () => {
  const body = JSON.stringify(vectors[1].payload);
  const webhook = new Webhook([SECRET, OTHER_SECRET]);
  assert.equal(webhook.verify(body, hmac(body, SECRET)).secretIndex, 0);
  assert.equal(webhook.verify(body, hmac(body, OTHER_SECRET)).secretIndex, 1);
  assert.equal(codeOf(() => webhook.verify(body, hmac(body, 'third-secret-0123456789'))), 'signature_mismatch');
  assert.ok(!inspect(webhook).includes(SECRET));
  assert.equal(JSON.stringify(webhook), '{}');
  webhook.dispose();
});

test('body limit: default 5 MiB, configurable, body_too_large', () => {
  const big = 'x'.repeat(5 * 1024 * 1024 + 1);
  assert.equal(codeOf(() => verify(big, hmac(big), SECRET)), 'body_too_large');
  const body = JSON.stringify(vectors[0].payload);
  assert.equal(codeOf(() => verify(body, hmac(body), SECRET, { maxBodyBytes: 10 })), 'body_too_large');
  assert.ok(verify(body, hmac(body), SECRET, { maxBodyBytes: Buffer.byteLength(body) }));
  // sign and verifySignature have no limit.
  assert.equal(verifySignature(big, hmac(big), SECRET), true);
  assert.equal(sign(big, SECRET), hmac(big));
});

test('replay window on the payload timestamp with an injected clock', () => {
  const payload = { event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'i-1' }, eventData: {} } };
  const body = JSON.stringify(payload);
  const sent = Date.parse(payload.timestamp);
  const at = (ms, tolerance = 300) => verify(body, hmac(body), SECRET, { toleranceSeconds: tolerance, now: () => ms });
  assert.equal(at(sent + 299_000).event, 'issue.created');
  assert.equal(codeOf(() => at(sent + 301_000)), 'timestamp_outside_window');
  assert.equal(codeOf(() => at(sent - 301_000)), 'timestamp_outside_window');
  assert.equal(verify(body, hmac(body), SECRET, { toleranceSeconds: 60, now: new Date(sent) }).event, 'issue.created');
  assert.equal(verify(body, hmac(body), SECRET, { toleranceSeconds: 60, now: sent + 1000 }).event, 'issue.created');
  // Off by default: a year-old delivery verifies.
  assert.equal(verify(body, hmac(body), SECRET).event, 'issue.created');
});

test('bad options are invalid_options', () => {
  const body = '{}';
  for (const options of [
    { toleranceSeconds: -1 },
    { toleranceSeconds: 'soon' },
    { maxBodyBytes: 0 },
    { maxBodyBytes: 1.5 },
    { maxBodyBytes: Infinity },
    { allowParsedBody: 'yes' },
    { tolerance: 5 },
    { now: 'now' },
  ]) {
    assert.equal(codeOf(() => verify(body, hmac(body), SECRET, options)), 'invalid_options', JSON.stringify(options));
  }
  assert.equal(
    codeOf(() => verify(body, hmac(body), SECRET, { toleranceSeconds: 5, now: () => NaN })),
    'invalid_options',
  );
});

test('parsed bodies: refused unless allowed, then verified byte-exact', () => {
  const { payload } = vectors.find((v) => v.name.includes('unicode')) ?? vectors[0];
  const body = JSON.stringify(payload);
  const parsed = JSON.parse(body);
  assert.equal(codeOf(() => verify(parsed, hmac(body), SECRET)), 'parsed_body_mismatch');
  assert.deepEqual(verify(parsed, hmac(body), SECRET, { allowParsedBody: true }), payload);
  // A pretty-printed original cannot be reproduced from the parsed object.
  const pretty = JSON.stringify(payload, null, 2);
  assert.equal(codeOf(() => verify(JSON.parse(pretty), hmac(pretty), SECRET, { allowParsedBody: true })), 'signature_mismatch');
});

test('unsupported bodies are unsupported_body', () => {
  for (const body of [undefined, null, 42, true, new Uint16Array(4), new DataView(new ArrayBuffer(2))]) {
    assert.equal(codeOf(() => verify(body, 'a'.repeat(64), SECRET)), 'unsupported_body', String(body));
  }
});

test('invalid JSON and invalid payloads: codes and JSON paths from the shared vectors', () => {
  assert.ok(invalidPayloads.length >= 5);
  for (const { name, body, code, path } of invalidPayloads) {
    try {
      verify(body, hmac(body), SECRET);
      assert.fail(`${name}: accepted`);
    } catch (error) {
      assert.equal(error.code, code, name);
      if (path) assert.equal(error.path, path, name);
    }
    assert.equal(codeOf(() => parseEvent(body)), code, name);
  }
});

test('unknown events verify and keep their name and data; isKnownEvent tells them apart', () => {
  const payload = { event: 'issue.archived', timestamp: '2026-01-01T00:00:00.000Z', data: { anything: [1, { b: 2 }] } };
  const body = JSON.stringify(payload);
  const event = verify(body, hmac(body), SECRET);
  assert.deepEqual(event, payload);
  assert.equal(isKnownEvent(event), false);
  for (const { payload: known } of vectors.filter((v) => !v.payload.event.startsWith('issue.archived'))) {
    assert.equal(isKnownEvent(known), known.event !== 'issue.archived', known.event);
  }
  assert.equal(isKnownEvent({ event: 'issue.created' }), true);
  assert.equal(isKnownEvent(null), false);
});

test('verifySignature returns booleans and never throws for any signature value', () => {
  const body = JSON.stringify(vectors[0].payload);
  assert.equal(verifySignature(body, hmac(body), SECRET), true);
  assert.equal(verifySignature(Buffer.from(body), hmac(body), [OTHER_SECRET, SECRET]), true);
  for (const signature of [undefined, null, '', 'x', 42, {}, [], hmac(body).slice(0, 63), `${hmac(body)}0`, '\ud800'.repeat(64), hmac('other')]) {
    assert.equal(verifySignature(body, signature, SECRET), false, String(signature));
  }
});

test('signPayload gives JSON.stringify bytes and headers that verify', () => {
  for (const { payload } of vectors) {
    const { body, headers } = signPayload(payload, SECRET);
    assert.equal(body, JSON.stringify(payload));
    assert.equal(headers['Content-Type'], 'application/json');
    assert.equal(headers[SIGNATURE_HEADER], hmac(body));
    assert.deepEqual(verify(body, headers['X-Promptfoo-Signature'], SECRET), JSON.parse(body));
  }
  assert.equal(codeOf(() => signPayload({ event: 'issue.created' }, SECRET)), 'invalid_payload');
  assert.equal(codeOf(() => signPayload(undefined, SECRET)), 'invalid_payload');
});

test('issueChangeEvent: none, one specific event, or one merged issue.updated', () => {
  const before = { id: 'i-1', status: 'open', severity: 'high', pluginId: 'pii' };
  const timestamp = '2026-01-02T03:04:05.000Z';
  assert.equal(issueChangeEvent(before, { ...before }, { timestamp }), null);
  const status = issueChangeEvent(before, { ...before, status: 'fixed' }, { timestamp });
  assert.equal(status.event, 'issue.status_changed');
  assert.equal(status.timestamp, timestamp);
  assert.equal(status.data.issue.status, 'fixed');
  const severity = issueChangeEvent(before, { ...before, severity: 'low' }, { timestamp });
  assert.equal(severity.event, 'issue.severity_changed');
  const both = issueChangeEvent(before, { ...before, status: 'fixed', severity: 'low' }, { timestamp, userId: 'user-123' });
  assert.equal(both.event, 'issue.updated');
  assert.deepEqual(both.data.eventData.changes, ['status changed to fixed', 'severity changed to low']);
  assert.equal(both.data.userId, 'user-123');
  assert.ok(!Number.isNaN(Date.parse(issueChangeEvent(before, { ...before, status: 'fixed' }).timestamp)));
  // What it builds signs and verifies.
  const { body, headers } = signPayload(both, SECRET);
  assert.deepEqual(verify(body, headers[SIGNATURE_HEADER], SECRET), both);
});

test('generateSecret: 64 lower-case hex characters, different every time, usable as a secret', () => {
  const seen = new Set();
  for (let i = 0; i < 100; i++) {
    const secret = generateSecret();
    assert.match(secret, /^[0-9a-f]{64}$/);
    seen.add(secret);
  }
  assert.equal(seen.size, 100);
  assert.equal(sign('x', generateSecret()).length, 64);
});

test('validateWebhookConfig accepts the documented example and reports every problem at once', () => {
  const good = {
    url: 'https://your-webhook-endpoint.com/callback',
    name: 'My SIEM Integration',
    events: ['issue.created', 'issue.status_changed'],
    teamId: 'optional-team-id',
    enabled: true,
  };
  const result = validateWebhookConfig(good);
  assert.equal(result.ok, true);
  assert.deepEqual(result.config.events, good.events);
  const bad = validateWebhookConfig({ url: 'ftp://x', name: ' ', events: ['issue.created', 'issue.created', 'issue.nope'], enabled: 'yes' });
  assert.equal(bad.ok, false);
  const paths = bad.problems.map((p) => p.path);
  for (const path of ['$.url', '$.name', '$.enabled']) assert.ok(paths.includes(path), `${path} in ${paths}`);
  assert.ok(bad.problems.filter((p) => p.path.startsWith('$.events')).length >= 2);
  assert.equal(validateWebhookConfig(undefined).ok, false);
});

test('canonicalize equals JSON.stringify(JSON.parse()) on hand-picked texts, strings and bytes', () => {
  const texts = [
    '{"b":1,"a":2,"1":3,"0":4}',
    '{"a":1,"a":2}',
    '[1e21,1e-7,0.000001,-0,1E400,-1e400,5e-324,0.1,123456789012345678901234]',
    '"\\u2028\\u2029\\u007f\\/\\u001F\\b"',
    '"\\ud800 \\udc00 \\ud83d\\ude00"',
    ' { "__proto__" : { "x" : [ ] } } ',
    '{"4294967294":1,"4294967295":2,"01":3,"-1":4}',
  ];
  for (const text of texts) {
    const expected = JSON.stringify(JSON.parse(text));
    assert.equal(canonicalize(text), expected, text);
    assert.equal(canonicalize(Buffer.from(text)), expected, text);
  }
  // Lone surrogates written raw in a JS string, inside and outside strings.
  for (const text of ['"a\ud800b"', '["\udc00", "\ud83d"]', '{"\ud800":1}', '"\ud83d\\ude00"']) {
    assert.equal(canonicalize(text), JSON.stringify(JSON.parse(text)), JSON.stringify(text));
  }
  for (const text of ['\ud800', '[1,]', '', '{"a":1', "{'a':1}", '\ufeff{}']) {
    assert.throws(() => JSON.parse(text));
    assert.equal(codeOf(() => canonicalize(text)), 'invalid_json', JSON.stringify(text));
  }
  // Invalid UTF-8 decodes to U+FFFD as Buffer#toString does.
  const bytes = Buffer.from([0x22, 0x61, 0xff, 0xc3, 0x22]);
  assert.equal(canonicalize(bytes), JSON.stringify(JSON.parse(bytes.toString())));
  assert.throws(() => canonicalize(42), { name: 'TypeError' });
});

test('verifyRequest reads a Fetch API Request', async () => {
  const payload = vectors[0].payload;
  const body = JSON.stringify(payload);
  const webhook = new Webhook(SECRET, { maxBodyBytes: 64 * 1024 });
  const request = (b, headers) => new Request('http://127.0.0.1/hook', { method: 'POST', body: b, headers });
  assert.deepEqual(await webhook.verifyRequest(request(body, { 'x-promptfoo-signature': hmac(body) })), payload);
  await assert.rejects(webhook.verifyRequest(request(body, {})), { code: 'missing_signature' });
  const big = 'x'.repeat(70 * 1024);
  await assert.rejects(webhook.verifyRequest(request(big, { 'x-promptfoo-signature': hmac(big) })), { code: 'body_too_large' });
  // A stream with no content-length is cut at the limit while reading.
  let pulled = 0;
  const stream = new ReadableStream({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(16 * 1024));
    },
  });
  const streamed = new Request('http://127.0.0.1/hook', { method: 'POST', body: stream, duplex: 'half', headers: { 'x-promptfoo-signature': hmac('x') } });
  await assert.rejects(webhook.verifyRequest(streamed), { code: 'body_too_large' });
  assert.ok(pulled <= 6, `stopped reading after ${pulled} chunks`);
});
