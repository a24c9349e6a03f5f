// The bridge to the wasm core: every call goes through `call`, which turns
// the core's thrown ErrorParts into a WebhookVerificationError.

import * as wasm from './wasm/core.js';
import { WebhookVerificationError } from './errors.js';

export { wasm };

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
    throw error instanceof wasm.ErrorParts ? fromParts(error) : error;
  }
}

/** An error the JS layer detects, described by the core's table. */
export function coreError(code, detail = '') {
  return fromParts(wasm.describe_error(code, detail));
}
