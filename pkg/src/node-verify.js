// Node's `promptfoo-webhooks/verify`: the receiving surface alone
// (receive.js: Webhook, verify, parseEvent, the error class, the
// constants). Importing it compiles less than half of what the whole API
// (node.js) does, which is most of a cold process's startup cost. It is
// a bundle of its own: its errors are instances of the whole API's
// WebhookVerificationError too (core/errors.js brands them).
import { useNodeRuntime } from './node-runtime.js';

// Builtins through process.getBuiltinModule (Node 20.16 and later, Deno,
// Bun) alone: the import of node:module that require() would need costs a
// cold start more than anything else this entry leaves out.
const getBuiltinModule = globalThis.process?.getBuiltinModule;
if (typeof getBuiltinModule !== 'function') {
  const error = new Error(
    `promptfoo-webhooks/verify needs process.getBuiltinModule (Node 20.16 or later); on Node ${globalThis.process?.version}, import 'promptfoo-webhooks' instead`,
  );
  error.code = 'ERR_UNSUPPORTED_RUNTIME';
  throw error;
}
useNodeRuntime(getBuiltinModule);

export * from './receive.js';
