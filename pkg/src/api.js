// The public API, identical in every runtime. Each function checks the JS
// types of its arguments, then hands the work to the Rust core; values,
// formats and error texts are the core's business.

import { coreError, toScratch, tool } from './core.js';
import { check_event_value, check_json_scratch, is_known_event, max_tree_depth, nests_too_deep_scratch } from './wasm/core.js';
import { canonicalize_bytes, canonicalize_text, generate_secret, issue_change_event, validate_webhook_config } from './wasm/tools.js';
import { KeyRing } from './keyring.js';
import { disposedError, guarded, invalidArgType, isOwnError, kindOf, WebhookVerificationError } from './errors.js';
import { bodyText, isParsedBody, rawBody, readBounded, unsupportedBody } from './body.js';

export { WebhookVerificationError };

export const SIGNATURE_HEADER = 'X-Promptfoo-Signature';
const SIGNATURE_HEADER_LOWER = 'x-promptfoo-signature';
const OPTION_NAMES = ['toleranceSeconds', 'maxBodyBytes', 'allowParsedBody', 'now', 'dedupe'];
// sign() and verifySignature() take no options: they hash whatever they are given.
const UNLIMITED = { maxBodyBytes: Number.MAX_SAFE_INTEGER, toleranceSeconds: undefined };
// Prepared keys for the last few string secrets given to verify, sign and
// verifySignature, with the body limit and window they were prepared for.
// A short list: comparing a few entries beats building a Map key per call.
const KEY_CACHE_SIZE = 8;
const keyCache = [];

/**
 * Runs `use(keys)` with prepared keys: cached for string secrets (per body
 * limit and window), freed after for others.
 */
function withKeyRing(secret, { maxBodyBytes, toleranceSeconds }, use) {
  if (typeof secret === 'string') return use(cachedKeyRing(secret, maxBodyBytes, toleranceSeconds));
  const keys = new KeyRing(secret, maxBodyBytes, toleranceSeconds);
  try {
    return use(keys);
  } finally {
    keys.free();
  }
}

function cachedKeyRing(secret, maxBodyBytes, toleranceSeconds) {
  for (const entry of keyCache) {
    if (entry.secret === secret && entry.maxBodyBytes === maxBodyBytes && entry.toleranceSeconds === toleranceSeconds) {
      return entry.keys;
    }
  }
  const keys = new KeyRing(secret, maxBodyBytes, toleranceSeconds);
  if (keyCache.length >= KEY_CACHE_SIZE) keyCache.shift().keys.free();
  keyCache.push({ secret, maxBodyBytes, toleranceSeconds, keys });
  return keys;
}

// ---------------------------------------------------------------- options

function readOptions(options, { dedupe = false } = {}) {
  if (options === undefined) return {};
  // Getters and Proxies run caller code: whatever they throw is invalid_options.
  return guarded(
    () => readOptionValues(options, dedupe),
    () => coreError('invalid_options', 'reading the options threw (see error.cause)'),
  );
}

function readOptionValues(options, dedupeAllowed) {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgType('options', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw coreError('invalid_options', `unknown option '${key}' (known: ${OPTION_NAMES.join(', ')})`);
    }
  }
  const { toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe } = options;
  checkNumberOption('toleranceSeconds', toleranceSeconds);
  checkNumberOption('maxBodyBytes', maxBodyBytes);
  if (allowParsedBody !== undefined && typeof allowParsedBody !== 'boolean') {
    throw coreError('invalid_options', `allowParsedBody must be a boolean, got ${typeof allowParsedBody}`);
  }
  if (now !== undefined && typeof now !== 'function' && typeof now !== 'number' && !isDate(now)) {
    throw coreError('invalid_options', 'now must be a function, a Date or a number of milliseconds');
  }
  return { toleranceSeconds, maxBodyBytes, allowParsedBody: allowParsedBody === true, now, dedupe: readDedupe(dedupe, dedupeAllowed) };
}

function checkNumberOption(name, value) {
  if (value !== undefined && typeof value !== 'number') {
    throw coreError('invalid_options', `${name} must be a number, got ${typeof value}`);
  }
}

// ---------------------------------------------------------------- de-duplication

// Without a window a key is kept a day; with one, twice the window: a payload
// verifies while its timestamp is within toleranceSeconds either side of now.
const DEFAULT_DEDUPE_TTL_SECONDS = 24 * 60 * 60;
const defaultTtl = (toleranceSeconds) =>
  toleranceSeconds === undefined ? DEFAULT_DEDUPE_TTL_SECONDS : Math.max(1, 2 * toleranceSeconds);

function readDedupe(dedupe, allowed) {
  if (dedupe === undefined) return undefined;
  if (!allowed) throw coreError('invalid_options', 'dedupe is asynchronous: use new Webhook(secret, { dedupe }).verifyOnce()');
  if (typeof dedupe !== 'object' || dedupe === null || typeof dedupe.store?.claim !== 'function') {
    throw coreError('invalid_options', 'dedupe must be { store, ttlSeconds?, failOpen? } with a store that has claim(key, ttlSeconds)');
  }
  const { store, ttlSeconds, failOpen = false } = dedupe;
  if (ttlSeconds !== undefined && !(Number.isSafeInteger(ttlSeconds) && ttlSeconds >= 1)) {
    throw coreError('invalid_options', 'dedupe.ttlSeconds must be a whole number of at least 1');
  }
  if (typeof failOpen !== 'boolean' && typeof failOpen !== 'function') {
    throw coreError('invalid_options', 'dedupe.failOpen must be a boolean or a function (error) => void');
  }
  return { store, ttlSeconds, failOpen };
}

/**
 * The store key of a verified delivery. Promptfoo sends no event id; the
 * signature depends on the body and the secret, so it names the delivery.
 * Hex case and the blanks the core ignores are normalized, so a replay with
 * an upper-cased signature is the same key.
 */
function deliveryKey(signature) {
  return `promptfoo-webhooks:${signature.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase()}`;
}

function invalidReturnValue(name, value) {
  const error = new TypeError(`${name} must return true or false (or a Promise of one), got ${kindOf(value)}`);
  error.code = 'ERR_INVALID_RETURN_VALUE';
  return error;
}

const dateValue = Date.prototype.getTime; // throws for anything but a real Date
function isDate(value) {
  // Primitives first: a thrown TypeError per verify would cost microseconds.
  if (typeof value !== 'object' || value === null) return false;
  try {
    dateValue.call(value);
    return true;
  } catch {
    return false;
  }
}

function nowMillis(now) {
  if (now === undefined) return Date.now();
  const millis = guarded(
    () => {
      const value = typeof now === 'function' ? now() : now ?? Date.now();
      return isDate(value) ? dateValue.call(value) : value;
    },
    () => coreError('invalid_options', 'the now() clock threw (see error.cause)'),
  );
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
  #dedupe;

  /**
   * @param {string | Uint8Array | Array<string | Uint8Array>} secret one secret, or several during a rotation
   * @param {object} [options] toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe
   */
  constructor(secret, options) {
    const { toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe } = readOptions(options, { dedupe: true });
    this.#keys = new KeyRing(secret, maxBodyBytes, toleranceSeconds);
    this.#allowParsedBody = allowParsedBody;
    this.#now = now;
    this.#dedupe = dedupe && { ...dedupe, ttlSeconds: dedupe.ttlSeconds ?? defaultTtl(toleranceSeconds) };
  }

  /** The typed event, or throws WebhookVerificationError. */
  verify(body, signature) {
    return verifyDelivery(this.#ready(), body, signature, this.#allowParsedBody, this.#now);
  }

  /**
   * Verifies, then claims the delivery in the `dedupe` store: a delivery
   * seen within `ttlSeconds` fails with `duplicate_delivery`. Only deliveries
   * that verified are claimed, so junk cannot fill the store.
   *
   * A store that throws (its database is down) rejects with that error, so
   * the receiver answers 5xx; with `failOpen` the delivery is accepted
   * instead (a repeat may then pass), after `failOpen(error)` when it is a
   * function.
   */
  async verifyOnce(body, signature) {
    if (this.#dedupe === undefined) {
      throw coreError('invalid_options', 'verifyOnce needs the dedupe option: new Webhook(secret, { dedupe: { store } })');
    }
    const event = this.verify(body, signature);
    const { store, ttlSeconds, failOpen } = this.#dedupe;
    let fresh;
    try {
      fresh = await store.claim(deliveryKey(signature), ttlSeconds);
    } catch (error) {
      if (failOpen === false) throw error;
      if (typeof failOpen === 'function') failOpen(error);
      return event;
    }
    if (fresh === false) throw coreError('duplicate_delivery');
    if (fresh !== true) throw invalidReturnValue('dedupe.store.claim()', fresh);
    return event;
  }

  /**
   * Verifies a Fetch API Request, reading at most maxBodyBytes of its body;
   * with the dedupe option, as verifyOnce does.
   */
  async verifyRequest(request) {
    const keys = this.#ready();
    const limit = keys.bodyLimit;
    const tooLarge = (size) => keys.sizeError(size) ?? new RangeError('body size check disagreed with the limit');
    // Reading a Request runs its getters and stream: what they throw is
    // either the request's shape (a TypeError) or the body's (unsupported_body).
    const notARequest = () => invalidArgType('request', 'a Fetch API Request', request);
    const { signature, declared, stream } = guarded(() => {
      if (typeof request !== 'object' || request === null || typeof request.headers?.get !== 'function') {
        throw notARequest();
      }
      return {
        signature: request.headers.get(SIGNATURE_HEADER_LOWER) ?? undefined,
        declared: Number(request.headers.get('content-length')),
        stream: request.body,
      };
    }, notARequest);
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(declared);
    let body;
    try {
      body = await readBounded(stream, limit, tooLarge);
    } catch (thrown) {
      if (isOwnError(thrown)) throw thrown;
      const error = coreError('unsupported_body', 'the request body could not be read (see error.cause)');
      throw Object.defineProperty(error, 'cause', { value: thrown, configurable: true, writable: true });
    }
    return this.#dedupe ? this.verifyOnce(body, signature) : this.verify(body, signature);
  }

  /** Frees the prepared keys now instead of at garbage collection. */
  dispose() {
    this.#keys?.free();
    this.#keys = undefined;
  }

  #ready() {
    if (this.#keys === undefined) throw disposedError();
    return this.#keys;
  }

  get [Symbol.toStringTag]() {
    return 'Webhook';
  }
}

/** The pipeline behind both verify()s. */
function verifyDelivery(keys, body, signature, allowParsedBody, now) {
  const sig = signatureArg(signature);
  const { raw, parsed } = deliveryBody(body, allowParsedBody);
  // The clock is read when a window needs it, or when the caller gave one (whose errors count).
  const nowMs = keys.hasWindow || now !== undefined ? nowMillis(now) : 0;
  const secretIndex = keys.signatureIndex(raw, sig);
  const check = (payload, parsedByCaller) => keys.checkEvent(payload, nowMs, parsedByCaller);
  const event = checkedPayload(raw, parsed, check);
  if (withSecretIndex(event, secretIndex)) return event;
  // The caller's object refused the extra property (frozen, a Proxy): give a copy.
  const copy = checkedPayload(raw, undefined, check);
  withSecretIndex(copy, secretIndex);
  return copy;
}

/** The raw body, and the caller's parsed object when that is what was given. */
function deliveryBody(body, allowParsedBody) {
  const raw = rawBody(body);
  if (raw !== undefined) return { raw, parsed: undefined };
  if (!isParsedBody(body)) throw unsupportedBody(body);
  if (!allowParsedBody) throw coreError('parsed_body_mismatch');
  return { raw: parsedBodyText(body), parsed: body };
}

/** JSON.stringify of a caller's value; a throw (BigInt, cycle, toJSON, Proxy) becomes `code`. */
function jsonText(value, code, what) {
  return guarded(
    () => JSON.stringify(value),
    () => coreError(code, `${what} has no JSON form: JSON.stringify threw (see error.cause)`),
  );
}

/**
 * The sender signed JSON.stringify(payload); re-stringifying a parsed body
 * reproduces those bytes exactly when nothing rewrote them.
 */
function parsedBodyText(body) {
  const text = jsonText(body, 'unsupported_body', 'the parsed body');
  if (text === undefined) throw coreError('unsupported_body', 'the parsed body has no JSON form');
  return text;
}

/**
 * The payload of `raw`, checked by `check(payload, parsedByCaller)`. A
 * caller's parsed object that passes is returned as it is, which spares a
 * second parse; otherwise what JSON.parse makes of the text is checked, and
 * its errors are the ones that count.
 */
function checkedPayload(raw, parsed, check) {
  if (parsed !== undefined) {
    try {
      check(parsed, true);
      return parsed;
    } catch {
      // A richer object than JSON's (a Date, a getter, a Proxy): judge the text instead.
    }
  }
  const payload = parseJson(raw);
  check(payload, false);
  return payload;
}

// A body no longer than the core's nesting limit cannot exceed it. Read on
// first use: the wasm instance is not ready while modules load.
let maxTreeDepth;

/**
 * JSON.parse of a body, within the core's nesting limit (V8 would parse a
 * million levels, which the caller's own JSON.stringify then cannot print).
 * When either refuses, the core says why and where.
 */
function parseJson(raw) {
  maxTreeDepth ??= max_tree_depth();
  if (raw.length > maxTreeDepth) {
    const { bodyLength } = toScratch(raw);
    if (nests_too_deep_scratch(bodyLength)) explainInvalidJson(raw, 'nesting too deep');
  }
  try {
    return JSON.parse(bodyText(raw));
  } catch (error) {
    return explainInvalidJson(raw, String(error?.message));
  }
}

/** Throws the core's invalid_json error for `raw`, or one with `detail` should the core accept it. */
function explainInvalidJson(raw, detail) {
  const { bodyLength } = toScratch(raw);
  check_json_scratch(bodyLength);
  throw coreError('invalid_json', detail);
}

// One descriptor per secret index, made once: defining the property is per delivery.
const secretIndexDescriptors = [];

function withSecretIndex(event, secretIndex) {
  const descriptor = (secretIndexDescriptors[secretIndex] ??= Object.freeze({
    value: secretIndex,
    enumerable: false,
    configurable: true,
  }));
  try {
    return Reflect.defineProperty(event, 'secretIndex', descriptor);
  } catch {
    return false; // a Proxy's trap threw
  }
}

/**
 * Verifies one delivery: the typed event, or throws WebhookVerificationError.
 * Keys for a string secret are prepared once and kept for the next call.
 */
export function verify(body, signature, secret, options) {
  // Synchronous, so the dedupe option is refused here.
  const { toleranceSeconds, maxBodyBytes, allowParsedBody, now } = readOptions(options);
  // `undefined` options take the core's defaults (a 5 MiB limit, no window).
  return withKeyRing(secret, { maxBodyBytes, toleranceSeconds }, (keys) =>
    verifyDelivery(keys, body, signature, allowParsedBody, now),
  );
}

/** `true` when `signature` signs `body` with `secret` (or one of them); never throws for a bad signature. */
export function verifySignature(body, signature, secret) {
  const raw = rawBody(body);
  if (raw === undefined) throw unsupportedBody(body);
  // A bad secret throws even when the signature is not a string.
  if (typeof secret === 'string') {
    const keys = cachedKeyRing(secret, UNLIMITED.maxBodyBytes, UNLIMITED.toleranceSeconds);
    return typeof signature === 'string' && keys.matches(raw, signature);
  }
  return withKeyRing(secret, UNLIMITED, (keys) => typeof signature === 'string' && keys.matches(raw, signature));
}

/** `true` for the events this version types; `false` for a later one (still verified). */
export function isKnownEvent(event) {
  try {
    const name = event?.event;
    return typeof name === 'string' && is_known_event(name);
  } catch {
    return false; // a Proxy or getter that throws is no known event
  }
}

/** Parses and validates a payload without checking any signature. */
export function parseEvent(body) {
  const raw = rawBody(body);
  if (raw !== undefined) return checkedPayload(raw, undefined, check_event_value);
  if (!isParsedBody(body)) throw unsupportedBody(body);
  return checkedPayload(parsedBodyText(body), body, check_event_value);
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
    return tool(canonicalize_text)(wellFormed ? jsonText : escapeLoneSurrogates(jsonText));
  }
  const raw = rawBody(jsonText);
  if (raw === undefined) throw invalidArgType('jsonText', 'a string or bytes', jsonText);
  return tool(canonicalize_bytes)(raw);
}

// ---------------------------------------------------------------- send

/** Lower-case hex HMAC-SHA256 of the body bytes. */
export function sign(body, secret) {
  const raw = rawBody(body);
  if (raw === undefined) throw unsupportedBody(body);
  return withKeyRing(secret, UNLIMITED, (keys) => keys.sign(raw));
}

/** `{ body, headers }` ready to POST: the payload as JSON.stringify prints it, signed. */
export function signPayload(payload, secret) {
  const body = typeof payload === 'string' ? payload : jsonText(payload, 'invalid_payload', 'the payload');
  if (body === undefined) throw coreError('invalid_payload', 'the payload has no JSON form');
  checkedPayload(body, typeof payload === 'string' ? undefined : payload, check_event_value);
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
  const { userId, timestamp = new Date().toISOString() } = guarded(
    () => ({ userId: options.userId, timestamp: options.timestamp }),
    () => coreError('invalid_options', 'reading the options threw (see error.cause)'),
  );
  if (userId !== undefined && typeof userId !== 'string') throw invalidArgType('options.userId', 'a string', userId);
  if (typeof timestamp !== 'string') throw invalidArgType('options.timestamp', 'an ISO 8601 string', timestamp);
  const json = tool(issue_change_event)(jsonArg(before, 'before'), jsonArg(after, 'after'), userId, timestamp);
  return json === undefined ? null : JSON.parse(json);
}

function jsonArg(value, name) {
  const kind = kindOf(value);
  if (kind !== 'object') throw invalidArgType(name, 'an issue object', value);
  const text = jsonText(value, 'invalid_payload', name);
  if (text === undefined) throw coreError('invalid_payload', `${name} has no JSON form`);
  return text;
}

// ---------------------------------------------------------------- manage

/** A new webhook secret: 64 hex characters from the platform's CSPRNG. */
export function generateSecret() {
  return tool(generate_secret)();
}

/**
 * Checks a webhook configuration as the management API takes it.
 * @returns {{ ok: true, config: object } | { ok: false, problems: Array<{ path: string, message: string }> }}
 */
export function validateWebhookConfig(config) {
  return JSON.parse(tool(validate_webhook_config)(jsonText(config, 'invalid_payload', 'the config') ?? 'null'));
}

// ---------------------------------------------------------------- de-duplication store

export { MemoryReplayStore } from './replay.js';
export { RedisReplayStore } from './stores/redis.js';
export { DurableObjectReplayStore, ReplayGuard } from './stores/durable-object.js';

// ---------------------------------------------------------------- route and serve

export { Webhooks, WebhookHandlerError } from './router.js';
export { STATUS_BY_CODE } from './adapters/http.js';
export { createNodeMiddleware } from './adapters/node.js';
export { createFetchHandler } from './adapters/fetch.js';
