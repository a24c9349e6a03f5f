// The bridge to the wasm modules: every call goes through `call`, which
// turns the core's thrown ErrorParts into a WebhookVerificationError.
//
// `wasm` is the verify core, which the runtime's entry (node.js, workerd.js,
// browser.js) instantiates at import. `tools()` is the second module
// (canonicalize, change events, config checks, secrets), instantiated on
// its first use from the runtime's tools-source.

import * as wasm from './wasm/core.js';
import * as toolsModule from './wasm/tools.js';
import loadTools from './tools-source.js';
import { WebhookVerificationError } from './errors.js';

export { wasm };

let toolsReady = false;

/** The tools module, instantiated on first use. */
export function tools() {
  if (!toolsReady) {
    toolsModule.initSync({ module: loadTools() });
    toolsReady = true;
  }
  return toolsModule;
}

function fromParts(parts) {
  const error = new WebhookVerificationError(parts.code, parts.message, {
    hint: parts.hint,
    path: parts.path,
    reason: parts.reason,
  });
  parts.free();
  return error;
}

/** Runs `fn`, translating errors raised by the core. */
export function call(fn, ...args) {
  try {
    return fn(...args);
  } catch (error) {
    throw error instanceof wasm.ErrorParts || error instanceof toolsModule.ErrorParts ? fromParts(error) : error;
  }
}

/** An error the JS layer detects, described by the core's table. */
export function coreError(code, detail = '') {
  return fromParts(wasm.describe_error(code, detail));
}
