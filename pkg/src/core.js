// The bridge to the wasm modules. Their failures arrive as the package's
// own WebhookVerificationError (src/wasm/mod.rs makes them through
// errors.js), so calls into them need no wrapping.
//
// The verify core (./wasm/core.js) is instantiated by the runtime's entry
// (node.js, workerd.js, browser.js) at import. The tools module
// (canonicalize, change events, config checks, secrets) is instantiated on
// the first use of one of its functions, from the runtime's tools-source.
// Both are imported by name, so bundlers drop what a program does not use.

import { describe_error, linear_memory, scratch as scratchAddress } from './wasm/core.js';
import { initSync as initTools } from './wasm/tools.js';
import loadTools from './tools-source.js';

let toolsReady = false;

/** `fn` of the tools module (./wasm/tools.js), the module instantiated first if need be. */
export function tool(fn) {
  if (!toolsReady) {
    initTools({ module: loadTools() });
    toolsReady = true;
  }
  return fn;
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
    const address = scratchAddress(size);
    memory ??= linear_memory();
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
  return describe_error(code, detail);
}
