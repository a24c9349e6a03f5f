// The one error class the package throws for bad deliveries and bad input.
// Codes, messages and hints come from the Rust core (src/error.rs), so every
// runtime reports the same failure the same way.

export class WebhookVerificationError extends Error {
  /**
   * @param {string} code stable machine-readable code, e.g. "signature_mismatch"
   * @param {string} message what went wrong
   * @param {{ hint?: string, path?: string }} [details]
   */
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.code = code;
    this.hint = details.hint ?? '';
    if (details.path !== undefined) this.path = details.path;
  }
}

/** A JS-side argument of the wrong type: a TypeError with a Node-style code. */
export function invalidArgType(name, expected, value) {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  const error = new TypeError(`${name} must be ${expected}, got ${got}`);
  error.code = 'ERR_INVALID_ARG_TYPE';
  return error;
}
