// User guide "Replays and duplicates": the same signed delivery twice through verifyOnce.
import { signPayload, WebhookVerificationError } from 'promptfoo-webhooks';

const secret = process.env.PROMPTFOO_WEBHOOK_SECRET;
const { body: rawBody, headers } = signPayload(
  { event: 'issue.created', timestamp: new Date().toISOString(), data: { issue: { id: 'issue-1' }, eventData: {} } },
  secret,
);
const signature = headers['X-Promptfoo-Signature'];

// README:begin dedupe
import { Webhook, MemoryReplayStore } from 'promptfoo-webhooks';

const webhook = new Webhook(secret, { toleranceSeconds: 300, dedupe: { store: new MemoryReplayStore({ maxEntries: 100_000 }) } });
const event = await webhook.verifyOnce(rawBody, signature); // throws duplicate_delivery for a repeat
// README:end

console.log(`first: ${event.event}`);
// The same delivery again, and with the signature in upper case: both repeats.
for (const again of [signature, signature.toUpperCase()]) {
  try {
    await webhook.verifyOnce(rawBody, again);
    console.log('repeat: accepted');
  } catch (error) {
    console.log(`repeat: ${error instanceof WebhookVerificationError ? error.code : error}`);
  }
}
