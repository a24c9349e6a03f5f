// The package from CommonJS: require() is synchronous and needs no init call.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { createHmac } = require('node:crypto');
const webhooks = require('promptfoo-webhooks');

const SECRET = 'whsec-test-0123456789abcdef';
const EXPORTS = [
  'verify', 'verifySignature', 'sign', 'canonicalize', 'parseEvent', 'Webhook', 'signPayload',
  'issueChangeEvent', 'generateSecret', 'validateWebhookConfig', 'WebhookVerificationError',
];

test('require() exposes the whole API, ready to use', () => {
  for (const name of EXPORTS) assert.equal(typeof webhooks[name], 'function', name);
});

test('sign, verify and reject from CommonJS', () => {
  const payload = { event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'i-1', severity: 'high' }, eventData: {} } };
  const body = JSON.stringify(payload);
  const signature = createHmac('sha256', SECRET).update(body).digest('hex');
  assert.equal(webhooks.sign(body, SECRET), signature);
  assert.deepEqual(webhooks.verify(Buffer.from(body), signature, SECRET), payload);
  assert.throws(() => webhooks.verify(body + ' ', signature, SECRET), (error) => {
    assert.ok(error instanceof webhooks.WebhookVerificationError);
    assert.equal(error.code, 'signature_mismatch');
    return true;
  });
});

test('CommonJS and ESM builds are the same implementation', async () => {
  const esm = await import('promptfoo-webhooks');
  const text = '{"z":[1e21,-0,"\\u2028"],"0":null}';
  assert.equal(esm.canonicalize(text), webhooks.canonicalize(text));
  assert.equal(esm.sign('x', SECRET), webhooks.sign('x', SECRET));
});
