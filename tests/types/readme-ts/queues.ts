import { CloudflareQueueInbox, createFetchHandler, createQueueConsumer, Webhooks } from 'promptfoo-webhooks';

interface Env {
  PROMPTFOO_WEBHOOK_SECRET: string;
  PROMPTFOO_DELIVERIES: { send(message: unknown, options?: { contentType?: 'v8' }): Promise<void> }; // Queue with @cloudflare/workers-types
}

const webhooks = new Webhooks({ secret: (env: Env) => env.PROMPTFOO_WEBHOOK_SECRET }).on('issue.created', async (event, context) => {
  console.log('create a ticket for', event.data.issue.id, 'once per', context?.entryId);
});

export default {
  // 200 once the queue has the delivery; 503 inbox_unavailable when it cannot take it.
  fetch: createFetchHandler(webhooks, { inbox: new CloudflareQueueInbox('PROMPTFOO_DELIVERIES') }),
  queue: createQueueConsumer({
    webhooks,
    deadLetterQueue: 'promptfoo-deliveries-dead',
    onDead: (entry, error) => console.error('dead delivery', entry.id, error.message),
  }),
};
