// docs/guide-extras.md "Cloudflare Queues": a Worker that records each
// verified delivery in a queue and runs the handlers from it (queues.toml
// beside this file declares the queues; its main names the JavaScript the
// build writes, target/js-examples/readme/).
// README:begin queues
import { CloudflareQueueInbox, createFetchHandler, createQueueConsumer, Webhooks } from 'promptfoo-webhooks';

interface Env {
  PROMPTFOO_WEBHOOK_SECRET: string;
}

const webhooks = new Webhooks({ secret: (env: Env) => env.PROMPTFOO_WEBHOOK_SECRET }).on('issue.created', async (event, context) => {
  // context: { attempt, entryId, ... } when the handler runs from an inbox or a queue.
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
// README:end
