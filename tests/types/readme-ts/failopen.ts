import { Webhook, type ReplayStore } from 'promptfoo-webhooks';

declare const secret: string;
declare const store: ReplayStore;
declare const log: { warn(message: string, error: unknown): void };

const webhook = new Webhook(secret, {
  toleranceSeconds: 300,
  dedupe: { store, failOpen: (error) => log.warn('replay store down, accepting unchecked', error) },
});
console.log(webhook);
