// The bridge to the verify core: the only file that imports its generated
// bindings (pkg/wasm/core.js, which `make build` writes), so every layer
// above calls plain functions. Failures arrive as the package's own
// WebhookVerificationError (crates/promptfoo-webhooks-wasm/src/lib.rs makes
// them through errors.js): calls need no wrapping. The tools module has its
// own bridge, tools-module.js.
//
// The core is instantiated on its first use, so a process pays for it only
// when a call needs it. The runtime's entry (node.js, workerd.js,
// browser.js) hands the core's loader to useCore at import; every function
// here that calls into the core goes through core(), which instantiates it
// first if need be. Bindings are imported by name, so bundlers drop what a
// program does not use.

import {
  check_json_scratch,
  decode_signature,
  initSync as initCoreBindings,
  is_known_event,
  linear_memory,
  release_scratch,
  scratch as scratchAddress,
  scratch_piece,
  WasmVerifier,
} from '../../wasm/core.js';
import { ERRORS, MAX_TREE_DEPTH } from '../generated/contract.js';
import { passesSchema, schemaProblem } from '../generated/schema.js';
import { verificationError, webhookError } from './errors.js';

let loadCore; // the entry's loader: () => the core as a compiled module or its bytes
let coreReady = false;

/** Hands over the verify core's loader (once, by the entry); the core is instantiated on first need. */
export function useCore(load) {
  loadCore = load;
}

/** Instantiates the verify core now, from a compiled module or its bytes. */
export function instantiateCore(module) {
  useCore(() => module);
  core(undefined);
}

/** `value` (a binding of the core), the core instantiated first if need be. */
function core(value) {
  if (!coreReady) {
    initCoreBindings({ module: loadCore() });
    coreReady = true;
  }
  return value;
}

// ---------------------------------------------------------------- the verify core

/** Keys, limits and window of one key ring (see keyring.js). */
export function createVerifier(maxBodyBytes, toleranceSeconds) {
  return core(WasmVerifier).new(maxBodyBytes, toleranceSeconds);
}

/** The 32 bytes of a signature header, by the core's rules; throws missing_signature or malformed_signature. */
export const decodeSignature = (signature) => core(decode_signature)(signature);

/** Whether the core types the event `name`. */
export const isKnownEventName = (name) => core(is_known_event)(name);

// ---------------------------------------------------------------- bodies into wasm memory

// Bodies reach the verify core through one buffer in its memory
// (crates/promptfoo-webhooks-wasm/src/verify.rs, scratch): encodeInto and set copy them once, where
// the bindings' string passing allocates and copies a character at a time.
// wasm memory never shrinks, so a body longer than a piece goes in pieces.
const encoder = new TextEncoder();
const MIN_SCRATCH = 4096;
let piece; // scratch_piece(), read on first use, as the core is instantiated
let memory;
let scratchView = new Uint8Array(0);

function scratch(capacity) {
  // A view of a buffer the memory has since grown out of is detached: length 0.
  if (scratchView.length < capacity || scratchView.length === 0) {
    const size = Math.max(capacity, MIN_SCRATCH);
    const address = core(scratchAddress)(size);
    memory ??= linear_memory();
    scratchView = new Uint8Array(memory.buffer, address, size);
  }
  return scratchView;
}

/** Bytes of a piece: bodies whose UTF-8 may be longer go through {@link forEachPiece}. */
function pieceBytes() {
  piece ??= core(scratch_piece)();
  return piece;
}

/** Whether `raw` (a string or bytes) certainly fits one piece. */
export function fitsOnePiece(raw) {
  return (typeof raw === 'string' ? raw.length * 3 : raw.length) <= pieceBytes();
}

/**
 * Writes `body` (a string or bytes that fits one piece), then `signature`
 * when it is a string, into the scratch buffer: their lengths in bytes, as
 * the core's `*_scratch` functions take them (`signatureLength` undefined
 * without one).
 */
export function toScratch(body, signature) {
  const signatureText = typeof signature === 'string' ? signature : '';
  const room = (typeof body === 'string' ? body.length * 3 : body.length) + signatureText.length * 3;
  const view = scratch(room);
  let bodyLength;
  if (typeof body === 'string') bodyLength = encoder.encodeInto(body, view).written;
  else {
    view.set(body);
    bodyLength = body.length;
  }
  if (typeof signature !== 'string') return { bodyLength, signatureLength: undefined };
  return { bodyLength, signatureLength: encoder.encodeInto(signature, view.subarray(bodyLength)).written };
}

/**
 * Writes `raw` (a string as UTF-8, or bytes) a piece at a time at the start
 * of the scratch buffer, calling `consume(pieceLength)` after each; stops
 * early when it returns true. Returns whether it stopped early.
 */
export function forEachPiece(raw, consume) {
  if (fitsOnePiece(raw)) return consume(toScratch(raw).bodyLength) === true;
  const size = pieceBytes();
  // A string is encoded once, in JS memory, which the garbage collector
  // gives back (encoding it piece by piece would copy the rest of it each time).
  const bytes = typeof raw === 'string' ? encoder.encode(raw) : raw;
  for (let offset = 0; offset < bytes.length; offset += size) {
    const chunk = bytes.subarray(offset, offset + size);
    // Fetched again each time: a call into the core may grow its memory, which detaches views.
    scratch(size).set(chunk);
    if (consume(chunk.length)) return true;
  }
  return false;
}

/** Writes `signature` alone at the start of the scratch buffer: its length in bytes. */
export function signatureToScratch(signature) {
  if (typeof signature !== 'string') return undefined;
  return encoder.encodeInto(signature, scratch(signature.length * 3)).written;
}

// ---------------------------------------------------------------- the schema check

/**
 * Checks a payload object against the contract's schema (no window), in JS
 * (generated/schema.js): what JSON.parse returned first by the fast check,
 * and a caller's own object, or one the fast check refused, by the exact
 * one. Throws invalid_payload as the core words it (src/error.rs), with
 * the path of the first problem.
 */
export function checkEventValue(payload, parsedByCaller) {
  if (!parsedByCaller && passesSchema(payload)) return;
  const problem = schemaProblem(payload, parsedByCaller);
  if (problem === undefined) return;
  const message = `${ERRORS.invalid_payload.meaning} at ${problem.path}: ${problem.reason}`;
  throw verificationError('invalid_payload', message, problem.path, undefined);
}

// ---------------------------------------------------------------- JSON

/**
 * Whether `value`, what JSON.parse made of `text`, nests deeper than the
 * contract's limit (which JSON.parse does not refuse). Nesting deeper than
 * the limit takes more than twice as many characters, so short texts skip
 * the walk. Walking the parsed value is exact, and cheaper than scanning
 * the text, whose strings may hold brackets.
 */
export function nestsTooDeep(text, value) {
  return text.length > 2 * MAX_TREE_DEPTH + 1 && deeperThan(value, MAX_TREE_DEPTH);
}

/**
 * Whether the arrays and objects of `value` (JSON.parse's: plain data, no
 * cycles) nest more than `limit` deep, the root counting as one. Walked a
 * level at a time, without recursion, so any depth fits the stack; the
 * walk stops at the first level past the limit.
 */
function deeperThan(value, limit) {
  // for-in walks an object's values fastest, but inherited keys too: should
  // Object.prototype have enumerable ones (a polluted prototype), own keys only.
  const ownKeysOnly = Object.keys(Object.prototype).length > 0;
  let level = isContainer(value) ? [value] : [];
  for (let depth = 1; level.length > 0; depth++) {
    if (depth > limit) return true;
    const next = [];
    for (const container of level) {
      if (Array.isArray(container)) {
        for (let i = 0; i < container.length; i++) if (isContainer(container[i])) next.push(container[i]);
      } else if (ownKeysOnly) {
        for (const key of Object.keys(container)) if (isContainer(container[key])) next.push(container[key]);
      } else {
        for (const key in container) if (isContainer(container[key])) next.push(container[key]);
      }
    }
    level = next;
  }
  return false;
}

const isContainer = (value) => typeof value === 'object' && value !== null;

/**
 * Throws the core's invalid_json error for `raw` (with its offset), or one
 * with `detail` should the core accept the text. The only path that copies
 * a large body whole; the scratch buffer is freed after.
 */
export function throwInvalidJson(raw, detail) {
  const bytes = typeof raw === 'string' && !fitsOnePiece(raw) ? encoder.encode(raw) : raw;
  try {
    check_json_scratch(toScratch(bytes).bodyLength);
  } finally {
    // The buffer may move or go: the next write asks the core for its address again.
    release_scratch();
    scratchView = new Uint8Array(0);
  }
  throw webhookError('invalid_json', detail);
}
