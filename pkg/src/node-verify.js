// Node's `promptfoo-webhooks/verify`: the receiving surface alone
// (receive.js: Webhook, verify, parseEvent, the error class, the
// constants). Importing it compiles less than half of what the whole API
// (node.js) does, which is most of a cold process's startup cost. It is
// a bundle of its own: its errors are instances of the whole API's
// WebhookVerificationError too (core/errors.js brands them).
import { useNodeRuntime } from './node-runtime.js';

useNodeRuntime();

export * from './receive.js';
