// Node's `promptfoo-webhooks/verify`: the receiving surface alone
// (receive.js: Webhook, verify, parseEvent, the error class, the
// constants). Importing it compiles about a third of what the whole API
// (node.js) does, which is most of a cold process's startup cost; its
// classes are the whole API's own, shared with node.js in one chunk.
import { useNodeRuntime } from './node-runtime.js';

useNodeRuntime();

export * from './receive.js';
