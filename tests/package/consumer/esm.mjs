// Run with node from the consumer project: the package from ESM.
import { createHmac } from 'node:crypto';
import { generateSecret, sign, verify } from 'promptfoo-webhooks';

const secret = generateSecret();
const body = JSON.stringify({ event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'esm-1' }, eventData: {} } });
const signature = sign(body, secret);
const event = verify(body, signature, ['0'.repeat(32), secret]);
console.log(JSON.stringify({
  resolved: import.meta.resolve('promptfoo-webhooks'),
  matchesNodeCrypto: signature === createHmac('sha256', secret).update(body).digest('hex'),
  event: event.event,
  issue: event.data.issue.id,
  secretIndex: event.secretIndex,
}));
