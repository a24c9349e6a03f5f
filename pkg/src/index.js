// The package's one barrel: every public name, in the order of the layers
// below it. The runtime entries (node.js, workerd.js, browser.js) load the
// wasm core, choose the hash provider, and re-export this; nothing inside
// the package imports it.

export { PromptfooApiError, WebhookVerificationError } from './core/errors.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  DELIVERY_TIMEOUT_SECONDS,
  EVENT_NAMES,
  SEVERITIES,
  SIGNATURE_HEADER,
  STATUS_BY_CODE,
  STATUSES,
} from './generated/contract.js';

// Receive
export { Webhook } from './verify/webhook.js';
export { isKnownEvent, parseEvent, verify, verifySignature, verifySignatureAsync } from './verify/verify.js';

// Send, test and manage
export { buildEvent, sign, signPayload } from './send/sign.js';
export { canonicalize, generateSecret, issueChangeEvent, validateWebhookConfig } from './send/tools.js';
export { sampleEvent } from './send/samples.js';
export { ManagementClient } from './management/client.js';

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
