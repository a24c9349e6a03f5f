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

// Bodies reach the verify core through one buffer in its memory
// (src/wasm/verify.rs, scratch): encodeInto and set copy them once, where
// the bindings' string passing allocates and copies a character at a time.
const encoder = new TextEncoder();
// A string this long is encoded here first: room for three bytes per
// character would make the buffer three times the body.
const LARGE_STRING = 64 * 1024;
const MIN_SCRATCH = 4096;
let memory;
let scratchView = new Uint8Array(0);

function scratch(capacity) {
  // A view of a buffer the memory has since grown out of is detached: length 0.
  if (scratchView.length < capacity || scratchView.length === 0) {
    const size = Math.max(capacity, MIN_SCRATCH);
    const address = wasm.scratch(size);
    memory ??= wasm.linear_memory();
    scratchView = new Uint8Array(memory.buffer, address, size);
  }
  return scratchView;
}

/**
 * Writes `body` (a string or bytes), then `signature` when it is a string,
 * into the core's scratch buffer: their lengths in bytes, as the core's
 * `*_scratch` functions take them (`signatureLength` undefined without one).
 */
export function toScratch(body, signature) {
  const bytes = typeof body === 'string' && body.length >= LARGE_STRING ? encoder.encode(body) : body;
  const signatureText = typeof signature === 'string' ? signature : '';
  const room = (typeof bytes === 'string' ? bytes.length * 3 : bytes.length) + signatureText.length * 3;
  const view = scratch(room);
  let bodyLength;
  if (typeof bytes === 'string') bodyLength = encoder.encodeInto(bytes, view).written;
  else {
    view.set(bytes);
    bodyLength = bytes.length;
  }
  if (typeof signature !== 'string') return { bodyLength, signatureLength: undefined };
  return { bodyLength, signatureLength: encoder.encodeInto(signature, view.subarray(bodyLength)).written };
}

/** An error the JS layer detects, described by the core's table. */
export function coreError(code, detail = '') {
  return fromParts(wasm.describe_error(code, detail));
}
