// The one error class the package throws for bad deliveries and bad input.
// Codes, messages and hints come from the Rust core (src/error.rs), so every
// runtime reports the same failure the same way.

// Errors this package created. A WeakSet lookup runs no user code, so it is
// safe to ask about anything that was thrown, a hostile Proxy included.
const created = new WeakSet();

export class WebhookVerificationError extends Error {
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
    created.add(this);
  }
}

/** The core's failures (src/wasm/mod.rs imports this). */
export function verificationError(code, message, hint, path, reason) {
  return new WebhookVerificationError(code, message, { hint, path: path ?? undefined, reason: reason ?? undefined });
}

/** A JS-side argument of the wrong type: a TypeError with a Node-style code. */
export function invalidArgType(name, expected, value, cause) {
  const error = new TypeError(`${name} must be ${expected}, got ${kindOf(value)}`);
  error.code = 'ERR_INVALID_ARG_TYPE';
  if (cause !== undefined) withCause(error, cause);
  created.add(error);
  return error;
}

/** A method called on a Webhook after dispose(). */
export function disposedError() {
  const error = new TypeError('this Webhook was disposed');
  error.code = 'ERR_INVALID_STATE';
  created.add(error);
  return error;
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

function withCause(error, cause) {
  Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
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
