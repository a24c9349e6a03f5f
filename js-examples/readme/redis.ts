// docs/guide-extras.md "Redis replay store": a Webhook whose dedupe store is Redis
// (REDIS_URL). Sends itself one delivery twice and prints the outcomes.
import { signPayload, WebhookVerificationError } from 'promptfoo-webhooks';

const secret = process.env.PROMPTFOO_WEBHOOK_SECRET;

// README:begin redis
import { createClient } from 'redis';
import { Webhook, RedisReplayStore } from 'promptfoo-webhooks';

// No offline queue: while Redis is unreachable a claim fails at once instead of waiting.
const redis = await createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', disableOfflineQueue: true }).connect();
const webhook = new Webhook(secret, {
  toleranceSeconds: 300,
  dedupe: { store: new RedisReplayStore({ client: redis, flavor: 'node-redis', prefix: 'promptfoo:' }) },
});
// README:end

const { body, headers } = signPayload(
  { event: 'issue.created', timestamp: new Date().toISOString(), data: { issue: { id: process.env.ISSUE_ID ?? 'issue-1' }, eventData: {} } },
  secret,
);
for (let i = 0; i < 2; i++) {
  try {
    const event = await webhook.verifyOnce(body, headers['X-Promptfoo-Signature']);
    console.log(`accepted ${event.event}`);
  } catch (error) {
    console.log(`rejected ${error instanceof WebhookVerificationError ? error.code : error}`);
  }
}
const keys = await redis.keys('promptfoo:*');
console.log(`keys ${keys.length}`);
await redis.close();
