// The package's one barrel: every public name, in the order of the layers
// below it. The runtime entries (node.js, workerd.js, browser.js) load the
// wasm core, choose the hash provider, and re-export this; nothing inside
// the package imports it.

// Receive: Webhook, verify and the rest of receive.js, the whole of the
// `promptfoo-webhooks/verify` entry.
export * from './receive.js';

// Send, test and manage
export { buildEvent, sign, signPayload } from './send/sign.js';
export { canonicalize, generateSecret, issueChangeEvent, validateWebhookConfig } from './send/tools.js';
export { sampleEvent } from './send/samples.js';
export { ManagementClient } from './management/client.js';
export { PromptfooApiError } from './management/errors.js';

// De-duplication stores
export { MemoryReplayStore } from './stores/memory.js';
export { RedisReplayStore } from './stores/redis.js';
export { DurableObjectReplayStore, ReplayGuard } from './stores/durable-object.js';

// Route and serve
export { Webhooks, WebhookHandlerError } from './router.js';
export { createNodeMiddleware } from './http/node.js';
export { createFetchHandler } from './http/fetch.js';

// Keep what was acknowledged: durable inboxes
export { SqliteInbox } from './inbox/sqlite.js';
export { RedisInbox } from './inbox/redis.js';
export { createInboxWorker } from './inbox/consumer.js';
export { CloudflareQueueInbox, createQueueConsumer } from './inbox/queues.js';
