// The bridge to the tools module (canonical JSON, change events, config
// checks, secrets): the only file that imports its generated bindings
// (pkg/wasm/tools.js). The module is instantiated on the first tool call,
// from the runtime's tools-source (the build puts the right one in place).
// Apart from the verify core's bridge (wasm.js), so code that only
// receives never compiles these bindings.

import {
  canonicalize_bytes,
  canonicalize_text,
  generate_secret,
  initSync as initToolsBindings,
  issue_change_event,
  validate_webhook_config,
} from '../../wasm/tools.js';
import loadTools from './tools-source.js';

let toolsReady = false;

/** `fn` of the tools module, the module instantiated first if need be. */
function tool(fn) {
  if (!toolsReady) {
    initToolsBindings({ module: loadTools() });
    toolsReady = true;
  }
  return fn;
}

export const canonicalizeText = (text) => tool(canonicalize_text)(text);
export const canonicalizeBytes = (bytes) => tool(canonicalize_bytes)(bytes);
/** The change event's JSON text, or undefined when nothing reported changed. */
export const issueChangeEventJson = (before, after, userId, timestamp) =>
  tool(issue_change_event)(before, after, userId, timestamp);
export const generateSecretHex = () => tool(generate_secret)();
export const validateWebhookConfigJson = (json) => tool(validate_webhook_config)(json);
