import { Webhook, MemoryReplayStore } from 'promptfoo-webhooks';

declare const secret: string;
declare const rawBody: Uint8Array;
declare const signature: string | undefined;

const webhook = new Webhook(secret, { toleranceSeconds: 300, dedupe: { store: new MemoryReplayStore({ maxEntries: 100_000 }) } });
const event = await webhook.verifyOnce(rawBody, signature); // throws duplicate_delivery for a repeat
console.log(event.event);
