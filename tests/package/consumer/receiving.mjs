// Run with node from the consumer project: the receiving entry from ESM;
// its errors are instances of the whole API's class.
import { createHmac } from 'node:crypto';
import * as whole from 'promptfoo-webhooks';
import { verify, Webhook } from 'promptfoo-webhooks/verify';

const secret = 'receiving-entry-secret-0123456789';
const body = JSON.stringify({ event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'verify-1' }, eventData: {} } });
const signature = createHmac('sha256', secret).update(body).digest('hex');
let rejected;
try {
  new Webhook(secret).verify(body, '0'.repeat(64));
} catch (error) {
  rejected = error instanceof whole.WebhookVerificationError && error.code;
}
console.log(JSON.stringify({
  resolved: import.meta.resolve('promptfoo-webhooks/verify'),
  issue: verify(body, signature, secret).data.issue.id,
  rejected,
}));
