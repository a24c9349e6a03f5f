// The public API, identical in every runtime. Each function checks the JS
// types of its arguments, then hands the work to the Rust core; values,
// formats and error texts are the core's business.

import { call, coreError, wasm } from './core.js';
import { KeyRing } from './keyring.js';
import { invalidArgType, WebhookVerificationError } from './errors.js';
import { bodyText, isParsedBody, rawBody, readBounded, unsupportedBody } from './body.js';

export { WebhookVerificationError };

export const SIGNATURE_HEADER = 'X-Promptfoo-Signature';
const SIGNATURE_HEADER_LOWER = 'x-promptfoo-signature';
const OPTION_NAMES = ['toleranceSeconds', 'maxBodyBytes', 'allowParsedBody', 'now'];
// sign() and verifySignature() take no options: they hash whatever they are given.
const NO_BODY_LIMIT = Number.MAX_SAFE_INTEGER;
// Prepared keys for the last few string secrets given to sign/verifySignature.
const KEY_CACHE_SIZE = 8;
const keyCache = new Map();

/** Runs `use(keys)` with prepared keys: cached for string secrets, freed after for others. */
function withKeyRing(secret, use) {
  if (typeof secret !== 'string') {
    const keys = new KeyRing(secret, NO_BODY_LIMIT, undefined);
    try {
      return use(keys);
    } finally {
      keys.free();
    }
  }
  let keys = keyCache.get(secret);
  if (!keys) {
    keys = new KeyRing(secret, NO_BODY_LIMIT, undefined);
    if (keyCache.size >= KEY_CACHE_SIZE) {
      const [oldest, evicted] = keyCache.entries().next().value;
      keyCache.delete(oldest);
      evicted.free();
    }
    keyCache.set(secret, keys);
  }
  return use(keys);
}

// ---------------------------------------------------------------- options

function readOptions(options) {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgType('options', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw coreError('invalid_options', `unknown option '${key}' (known: ${OPTION_NAMES.join(', ')})`);
    }
  }
  const { toleranceSeconds, maxBodyBytes, allowParsedBody, now } = options;
  for (const [name, value] of [['toleranceSeconds', toleranceSeconds], ['maxBodyBytes', maxBodyBytes]]) {
    if (value !== undefined && typeof value !== 'number') {
      throw coreError('invalid_options', `${name} must be a number, got ${typeof value}`);
    }
  }
  if (allowParsedBody !== undefined && typeof allowParsedBody !== 'boolean') {
    throw coreError('invalid_options', `allowParsedBody must be a boolean, got ${typeof allowParsedBody}`);
  }
  if (now !== undefined && typeof now !== 'function' && typeof now !== 'number' && !(now instanceof Date)) {
    throw coreError('invalid_options', 'now must be a function, a Date or a number of milliseconds');
  }
  return { toleranceSeconds, maxBodyBytes, allowParsedBody: allowParsedBody === true, now };
}

function nowMillis(now) {
  const value = typeof now === 'function' ? now() : now ?? Date.now();
  const millis = value instanceof Date ? value.getTime() : value;
  if (typeof millis !== 'number' || !Number.isFinite(millis)) {
    throw coreError('invalid_options', 'now must give a valid Date or a finite number of milliseconds');
  }
  return millis;
}

function signatureArg(signature) {
  if (signature === undefined || signature === null) return undefined;
  if (typeof signature !== 'string') throw invalidArgType('signature', 'a string', signature);
  return signature;
}

// ---------------------------------------------------------------- receive

/** Verifies deliveries with keys prepared once. */
export class Webhook {
  #keys;
  #allowParsedBody;
  #now;

  /**
   * @param {string | Uint8Array | Array<string | Uint8Array>} secret one secret, or several during a rotation
   * @param {object} [options] toleranceSeconds, maxBodyBytes, allowParsedBody, now
   */
  constructor(secret, options) {
    const { toleranceSeconds, maxBodyBytes, allowParsedBody, now } = readOptions(options);
    this.#keys = new KeyRing(secret, maxBodyBytes, toleranceSeconds);
    this.#allowParsedBody = allowParsedBody;
    this.#now = now;
  }

  /** The typed event, or throws WebhookVerificationError. */
  verify(body, signature) {
    const sig = signatureArg(signature);
    const raw = this.#raw(body);
    const secretIndex = this.#keys.verify(raw, sig, nowMillis(this.#now));
    const event = JSON.parse(bodyText(raw));
    Object.defineProperty(event, 'secretIndex', { value: secretIndex, enumerable: false });
    return event;
  }

  /** Verifies a Fetch API Request, reading at most maxBodyBytes of its body. */
  async verifyRequest(request) {
    if (typeof request !== 'object' || request === null || typeof request.headers?.get !== 'function') {
      throw invalidArgType('request', 'a Fetch API Request', request);
    }
    const keys = this.#keys;
    const limit = keys.bodyLimit;
    const tooLarge = (size) => keys.sizeError(size) ?? new RangeError('body size check disagreed with the limit');
    const declared = Number(request.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(declared);
    const body = await readBounded(request.body, limit, tooLarge);
    return this.verify(body, request.headers.get(SIGNATURE_HEADER_LOWER) ?? undefined);
  }

  /** Frees the prepared keys now instead of at garbage collection. */
  dispose() {
    this.#keys?.free();
    this.#keys = undefined;
  }

  #raw(body) {
    const raw = rawBody(body);
    if (raw !== undefined) return raw;
    if (!isParsedBody(body)) throw unsupportedBody(body);
    if (!this.#allowParsedBody) throw coreError('parsed_body_mismatch');
    // The sender signed JSON.stringify(payload); re-stringifying the parsed
    // object reproduces those bytes exactly when nothing rewrote them.
    return JSON.stringify(body);
  }

  get [Symbol.toStringTag]() {
    return 'Webhook';
  }
}

/** Verifies one delivery: the typed event, or throws WebhookVerificationError. */
export function verify(body, signature, secret, options) {
  const webhook = new Webhook(secret, options);
  try {
    return webhook.verify(body, signature);
  } finally {
    webhook.dispose();
  }
}

/** `true` when `signature` signs `body` with `secret` (or one of them); never throws for a bad signature. */
export function verifySignature(body, signature, secret) {
  const raw = rawBody(body);
  if (raw === undefined) throw unsupportedBody(body);
  // A bad secret throws even when the signature is not a string.
  return withKeyRing(secret, (keys) => typeof signature === 'string' && keys.matches(raw, signature));
}

/** `true` for the events this version types; `false` for a later one (still verified). */
export function isKnownEvent(event) {
  return typeof event?.event === 'string' && wasm.is_known_event(event.event);
}

/** Parses and validates a payload without checking any signature. */
export function parseEvent(body) {
  let raw = rawBody(body);
  if (raw === undefined) {
    if (!isParsedBody(body)) throw unsupportedBody(body);
    raw = JSON.stringify(body);
  }
  if (typeof raw === 'string') call(wasm.check_event_text, raw);
  else call(wasm.check_event_bytes, raw);
  return JSON.parse(bodyText(raw));
}

// ---------------------------------------------------------------- JSON

const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const HAS_LONE_SURROGATE = new RegExp(LONE_SURROGATE);
// The backslashes right before it decide whether it is itself escaped.
const LONE_SURROGATES = new RegExp(`(\\\\*)(${LONE_SURROGATE})`, 'g');

// UTF-8 cannot carry a lone surrogate into the core. Inside a JSON string
// `\udXXX` means the same code unit, and outside one both forms are syntax
// errors, so rewriting it changes nothing V8 would see. After an odd run of
// backslashes the surrogate is an escape character, which V8 rejects: `x`
// keeps that escape invalid.
function escapeLoneSurrogates(text) {
  return text.replace(LONE_SURROGATES, (_, slashes, unit) =>
    slashes.length % 2 === 1 ? `${slashes}x` : `${slashes}\\u${unit.charCodeAt(0).toString(16)}`,
  );
}

/** Exactly what V8's JSON.stringify(JSON.parse(jsonText)) returns. */
export function canonicalize(jsonText) {
  if (typeof jsonText === 'string') {
    const wellFormed = jsonText.isWellFormed?.() ?? !HAS_LONE_SURROGATE.test(jsonText);
    return call(wasm.canonicalize_text, wellFormed ? jsonText : escapeLoneSurrogates(jsonText));
  }
  const raw = rawBody(jsonText);
  if (raw === undefined) throw invalidArgType('jsonText', 'a string or bytes', jsonText);
  return call(wasm.canonicalize_bytes, raw);
}

// ---------------------------------------------------------------- send

/** Lower-case hex HMAC-SHA256 of the body bytes. */
export function sign(body, secret) {
  const raw = rawBody(body);
  if (raw === undefined) throw unsupportedBody(body);
  return withKeyRing(secret, (keys) => keys.sign(raw));
}

/** `{ body, headers }` ready to POST: the payload as JSON.stringify prints it, signed. */
export function signPayload(payload, secret) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  if (body === undefined) throw coreError('invalid_payload', 'the payload has no JSON form');
  call(wasm.check_event_text, body);
  return {
    body,
    headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: sign(body, secret) },
  };
}

/**
 * The one event Promptfoo sends for a change from `before` to `after`:
 * issue.status_changed, issue.severity_changed, issue.updated for several
 * changes at once, or null when nothing it reports changed.
 */
export function issueChangeEvent(before, after, options = {}) {
  if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'an object', options);
  const { userId, timestamp = new Date().toISOString() } = options;
  if (userId !== undefined && typeof userId !== 'string') throw invalidArgType('options.userId', 'a string', userId);
  if (typeof timestamp !== 'string') throw invalidArgType('options.timestamp', 'an ISO 8601 string', timestamp);
  const json = call(wasm.issue_change_event, jsonArg(before, 'before'), jsonArg(after, 'after'), userId, timestamp);
  return json === undefined ? null : JSON.parse(json);
}

function jsonArg(value, name) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgType(name, 'an issue object', value);
  return JSON.stringify(value);
}

// ---------------------------------------------------------------- manage

/** A new webhook secret: 64 hex characters from the platform's CSPRNG. */
export function generateSecret() {
  return call(wasm.generate_secret);
}

/**
 * Checks a webhook configuration as the management API takes it.
 * @returns {{ ok: true, config: object } | { ok: false, problems: Array<{ path: string, message: string }> }}
 */
export function validateWebhookConfig(config) {
  return JSON.parse(call(wasm.validate_webhook_config, JSON.stringify(config) ?? 'null'));
}

// ---------------------------------------------------------------- route and serve

export { Webhooks, WebhookHandlerError } from './router.js';
export { STATUS_BY_CODE } from './adapters/http.js';
export { createNodeMiddleware } from './adapters/node.js';
export { createFetchHandler } from './adapters/fetch.js';
