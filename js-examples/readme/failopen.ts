// docs/guide-extras.md "Redis replay store": failOpen, with a store that is down.
import { Webhook, WebhookVerificationError, signPayload } from 'promptfoo-webhooks';
import type { ReplayStore, VerifiedEvent } from 'promptfoo-webhooks';

const secret = process.env.PROMPTFOO_WEBHOOK_SECRET;
const log = { warn: (message: string, error: unknown) => console.log(`warn: ${message}: ${error instanceof Error ? error.message : error}`) };
const store: ReplayStore = {
  claim() {
    throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
  },
};

const webhook = new Webhook(secret, {
  toleranceSeconds: 300,
  // README:begin failopen
  dedupe: { store, failOpen: (error) => log.warn('replay store down, accepting unchecked', error) }
  // README:end
});
const closed = new Webhook(secret, { toleranceSeconds: 300, dedupe: { store } }); // the default: fail closed

const { body, headers } = signPayload(
  { event: 'issue.created', timestamp: new Date().toISOString(), data: { issue: { id: 'issue-1' }, eventData: {} } },
  secret,
);
const signature = headers['X-Promptfoo-Signature'];
const attempt = async (name: string, promise: Promise<VerifiedEvent>) => {
  try {
    console.log(`${name}: accepted ${(await promise).event}`);
  } catch (error) {
    console.log(`${name}: rejected ${error instanceof WebhookVerificationError ? error.code : error instanceof Error ? error.message : error}`);
  }
};
await attempt('open', webhook.verifyOnce(body, signature));
await attempt('open, tampered', webhook.verifyOnce(body.replace('issue-1', 'issue-2'), signature));
await attempt('closed', closed.verifyOnce(body, signature));
