import { createClient } from 'redis';
import { Webhook, RedisReplayStore } from 'promptfoo-webhooks';

declare const secret: string;

// No offline queue: while Redis is unreachable a claim fails at once instead of waiting.
const redis = await createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', disableOfflineQueue: true }).connect();
const webhook = new Webhook(secret, {
  toleranceSeconds: 300,
  dedupe: { store: new RedisReplayStore({ client: redis, flavor: 'node-redis', prefix: 'promptfoo:' }) },
});
console.log(webhook);
