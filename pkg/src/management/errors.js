// PromptfooApiError, what the management API client throws: its code,
// message and hint come from the wire contract (src/contract.rs, through
// generated/contract.js), with the server's status and words. Apart from
// core/errors.js so that a process that only receives never compiles it.

import { API_ERRORS } from '../generated/contract.js';
import { hasBrand, markOwnError } from '../core/errors.js';

const API_BRAND = Symbol.for('promptfoo-webhooks.PromptfooApiError');

/** A failure of the management API client: not configured, a refused request, no answer, an unreadable one. */
export class PromptfooApiError extends Error {
  static name = 'PromptfooApiError'; // as WebhookVerificationError's

  static [Symbol.hasInstance](value) {
    if (this !== PromptfooApiError) return super[Symbol.hasInstance](value);
    return hasBrand(value, API_BRAND);
  }

  /**
   * @param {string} code e.g. "api_request_rejected"
   * @param {string} message what went wrong
   * @param {{ hint?: string, status?: number, serverMessage?: string, problems?: Array<{ path: string, message: string }> }} [details]
   */
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'PromptfooApiError';
    this.code = code;
    this.hint = details.hint ?? '';
    for (const key of ['status', 'serverMessage', 'problems']) {
      if (details[key] !== undefined) this[key] = details[key];
    }
    Object.defineProperty(this, API_BRAND, { __proto__: null, value: true });
    markOwnError(this);
  }
}

/** A management API failure: the contract's meaning of `code`, then `: detail`, and its hint. */
export function apiError(code, detail = '', details = {}) {
  const spec = API_ERRORS[code];
  if (spec === undefined) throw new RangeError(`no API error code ${code}`); // a bug of ours
  const message = detail === '' ? spec.meaning : `${spec.meaning}: ${detail}`;
  return new PromptfooApiError(code, message, { hint: spec.hint, ...details });
}
