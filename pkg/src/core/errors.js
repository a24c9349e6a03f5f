// What the package throws, made in one place:
// - WebhookVerificationError, for a bad delivery or a bad secret, option or
//   body: its code, message and hint come from the wire contract
//   (src/contract.rs, through generated/contract.js, or worded by the core);
// - PromptfooApiError (management/errors.js, with the client that throws
//   it), marked as ours here too;
// - a TypeError or RangeError with a Node-style code, for an argument of
//   the wrong type or range (as Node's own APIs throw).

import { ERRORS } from '../generated/contract.js';

// Errors this package created. A WeakSet lookup runs no user code, so it is
// safe to ask about anything that was thrown, a hostile Proxy included.
const created = new WeakSet();

// Every copy of the package (its ESM and CommonJS builds, or two installed
// versions) marks its errors with this one registered symbol, and
// `instanceof WebhookVerificationError` answers by it: an error thrown by
// the require() build is an instance of the import() build's class too.
const BRAND = Symbol.for('promptfoo-webhooks.WebhookVerificationError');

/** Whether `value` carries `brand` as an own property; runs no user code but a Proxy's trap, and never throws. */
export function hasBrand(value, brand) {
  try {
    return typeof value === 'object' && value !== null && Object.hasOwn(value, brand);
  } catch {
    return false; // a revoked Proxy
  }
}

export class WebhookVerificationError extends Error {
  // Said outright: a bundler renames the class (esbuild's `_WebhookVerificationError`
  // for a class naming itself, a letter when minified), and stacks,
  // util.inspect and constructor.name read this. A literal, unlike
  // keepNames' __name() calls, leaves the class droppable when unused.
  static name = 'WebhookVerificationError';

  static [Symbol.hasInstance](value) {
    // A subclass keeps the ordinary prototype check.
    if (this !== WebhookVerificationError) return super[Symbol.hasInstance](value);
    return hasBrand(value, BRAND);
  }

  /**
   * @param {string} code stable machine-readable code, e.g. "signature_mismatch"
   * @param {string} message what went wrong
   * @param {{ hint?: string, path?: string, reason?: string }} [details]
   */
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.code = code;
    this.hint = details.hint ?? '';
    if (details.path !== undefined) this.path = details.path;
    if (details.reason !== undefined) this.reason = details.reason;
    Object.defineProperty(this, BRAND, { __proto__: null, value: true }); // no inherited get/set
    created.add(this);
  }
}

/** The core's failures, worded by the core, with the contract's hint (the wasm crate, crates/promptfoo-webhooks-wasm/src/lib.rs, imports this). */
export function verificationError(code, message, path, reason) {
  return new WebhookVerificationError(code, message, {
    hint: ERRORS[code]?.hint ?? '',
    path: path ?? undefined,
    reason: reason ?? undefined,
  });
}

/**
 * A failure the JS layer detects: the contract's meaning of `code`, then
 * `: detail` when there is one, and its hint. `hint` replaces the
 * contract's where the JS layer knows more (which middleware ran first);
 * `path` is the JSON path of an invalid_payload.
 */
export function webhookError(code, detail = '', { hint, path } = {}) {
  const spec = ERRORS[code];
  if (spec === undefined) throw new RangeError(`no error code ${code}`); // a bug of ours: every code is in the contract
  const message = detail === '' ? spec.meaning : `${spec.meaning}: ${detail}`;
  return new WebhookVerificationError(code, message, { hint: hint ?? spec.hint, path });
}

// The class of each Node-style code the package uses.
const ARGUMENT_ERRORS = {
  ERR_INVALID_ARG_TYPE: TypeError,
  ERR_INVALID_RETURN_VALUE: TypeError,
  ERR_INVALID_STATE: TypeError,
  ERR_OUT_OF_RANGE: RangeError,
};

/** A TypeError or RangeError with a Node-style `code`, and `cause` when one is given. */
export function argumentError(code, message, cause) {
  const error = new ARGUMENT_ERRORS[code](message);
  error.code = code;
  if (cause !== undefined) withCause(error, cause);
  created.add(error);
  return error;
}

/** An argument of the wrong type: "`name` must be `expected`, got <kind>". */
export function invalidArgType(name, expected, value, cause) {
  return argumentError('ERR_INVALID_ARG_TYPE', `${name} must be ${expected}, got ${kindOf(value)}`, cause);
}

/** Records `error` as one this package created (isOwnError). */
export function markOwnError(error) {
  created.add(error);
}

/** Whether this package created `error` (runs no user code). */
export function isOwnError(error) {
  return (typeof error === 'object' || typeof error === 'function') && error !== null && created.has(error);
}

/**
 * Runs `fn`, which touches caller-supplied values (getters, Proxies, toJSON,
 * callbacks). Anything thrown there that is not ours becomes `wrap(thrown)`,
 * with the original kept as the non-enumerable `cause`.
 */
export function guarded(fn, wrap) {
  try {
    return fn();
  } catch (thrown) {
    if (isOwnError(thrown)) throw thrown;
    throw withCause(wrap(), thrown);
  }
}

export function withCause(error, cause) {
  Object.defineProperty(error, 'cause', { __proto__: null, value: cause, writable: true, configurable: true, enumerable: false });
  return error;
}

/** `typeof`, refined for null and arrays; never throws, even for a revoked Proxy. */
export function kindOf(value) {
  if (value === null) return 'null';
  try {
    if (Array.isArray(value)) return 'an array';
  } catch {
    return 'a revoked Proxy';
  }
  return typeof value;
}
