// Run with node from the consumer project: the package from CommonJS.
const { createHmac } = require('node:crypto');
const { generateSecret, sign, verify, WebhookVerificationError } = require('promptfoo-webhooks');

const secret = generateSecret();
const body = JSON.stringify({ event: 'evaluation.completed', timestamp: '2025-03-14T12:34:56Z', data: { jobId: 'cjs-1' } });
const signature = sign(body, secret);
const event = verify(body, signature, secret);
let rejected;
try {
  verify(body.replace('cjs-1', 'cjs-2'), signature, secret);
} catch (error) {
  rejected = error instanceof WebhookVerificationError ? error.code : `not a WebhookVerificationError: ${error}`;
}
console.log(JSON.stringify({
  resolved: require.resolve('promptfoo-webhooks'),
  matchesNodeCrypto: signature === createHmac('sha256', secret).update(body).digest('hex'),
  event: event.event,
  jobId: event.data.jobId,
  rejected,
}));
