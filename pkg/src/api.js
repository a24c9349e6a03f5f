// The public API, identical in every runtime. Each function checks the JS
// types of its arguments, then hands the work to the Rust core; values,
// formats and error texts are the core's business.

import { call, coreError, wasm } from './core.js';
import { disposedError, guarded, invalidArgType, isOwnError, kindOf, WebhookVerificationError } from './errors.js';
import { bodyText, bytesOf, isParsedBody, rawBody, readBounded, unsupportedBody } from './body.js';

export { WebhookVerificationError };

export const SIGNATURE_HEADER = 'X-Promptfoo-Signature';
const SIGNATURE_HEADER_LOWER = 'x-promptfoo-signature';
const OPTION_NAMES = ['toleranceSeconds', 'maxBodyBytes', 'allowParsedBody', 'now', 'dedupe'];
// sign() and verifySignature() take no options: they hash whatever they are given.
const NO_BODY_LIMIT = Number.MAX_SAFE_INTEGER;
// A rotation needs two or three; a bound keeps a huge (sparse) array from being walked.
const MAX_SECRETS = 64;

// ---------------------------------------------------------------- secrets

const SECRET_TYPES = 'a string or Uint8Array, or an array of them';

/** The secrets as strings and plain Uint8Arrays, read once. */
function secretList(secret) {
  const isList = guarded(() => Array.isArray(secret), () => invalidArgType('secret', SECRET_TYPES, secret));
  if (!isList) return [secretValue(secret, 'secret')];
  return guarded(
    () => {
      if (secret.length > MAX_SECRETS) throw invalidArgType('secret', `at most ${MAX_SECRETS} secrets`, secret);
      return Array.from(secret, (s, i) => secretValue(s, `secret[${i}]`));
    },
    () => invalidArgType('secret', SECRET_TYPES, secret),
  );
}

function secretValue(value, name) {
  if (typeof value === 'string') return value;
  const bytes = bytesOf(value);
  if (bytes === undefined) throw invalidArgType(name, 'a string or Uint8Array', value);
  return bytes;
}

function newVerifier(secret, maxBodyBytes, toleranceSeconds) {
  const secrets = secretList(secret);
  const core = call(wasm.WasmVerifier.new, maxBodyBytes, toleranceSeconds);
  try {
    for (const s of secrets) {
      if (typeof s === 'string') call(() => core.add_secret_text(s));
      else call(() => core.add_secret_bytes(s));
    }
    call(() => core.check_ready());
  } catch (error) {
    core.free();
    throw error;
  }
  return core;
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
  for (const [name, value] of [['toleranceSeconds', toleranceSeconds], ['maxBodyBytes', maxBodyBytes]]) {
    if (value !== undefined && typeof value !== 'number') {
      throw coreError('invalid_options', `${name} must be a number, got ${typeof value}`);
    }
  }
  if (allowParsedBody !== undefined && typeof allowParsedBody !== 'boolean') {
    throw coreError('invalid_options', `allowParsedBody must be a boolean, got ${typeof allowParsedBody}`);
  }
  if (now !== undefined && typeof now !== 'function' && typeof now !== 'number' && !isDate(now)) {
    throw coreError('invalid_options', 'now must be a function, a Date or a number of milliseconds');
  }
  return { toleranceSeconds, maxBodyBytes, allowParsedBody: allowParsedBody === true, now, dedupe: readDedupe(dedupe, dedupeAllowed) };
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
    throw coreError('invalid_options', 'dedupe must be { store, ttlSeconds? } with a store that has claim(key, ttlSeconds)');
  }
  const { store, ttlSeconds } = dedupe;
  if (ttlSeconds !== undefined && !(Number.isSafeInteger(ttlSeconds) && ttlSeconds >= 1)) {
    throw coreError('invalid_options', 'dedupe.ttlSeconds must be a whole number of at least 1');
  }
  return { store, ttlSeconds };
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
  try {
    dateValue.call(value);
    return true;
  } catch {
    return false;
  }
}

function nowMillis(now) {
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

// The top-level verify() is synchronous, so it refuses the dedupe option.
const FOR_ONE_VERIFY = Symbol('one synchronous verify');

/** Verifies deliveries with keys prepared once. */
export class Webhook {
  #core;
  #allowParsedBody;
  #now;
  #dedupe;

  /**
   * @param {string | Uint8Array | Array<string | Uint8Array>} secret one secret, or several during a rotation
   * @param {object} [options] toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe
   */
  constructor(secret, options, internal = undefined) {
    const dedupeAllowed = internal !== FOR_ONE_VERIFY;
    const { toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe } = readOptions(options, { dedupe: dedupeAllowed });
    this.#core = newVerifier(secret, maxBodyBytes, toleranceSeconds);
    this.#allowParsedBody = allowParsedBody;
    this.#now = now;
    this.#dedupe = dedupe && { store: dedupe.store, ttlSeconds: dedupe.ttlSeconds ?? defaultTtl(toleranceSeconds) };
  }

  /** The typed event, or throws WebhookVerificationError. */
  verify(body, signature) {
    const core = this.#ready();
    const sig = signatureArg(signature);
    const raw = this.#raw(body);
    checkSizeBeforeCopy(core, raw);
    const now = nowMillis(this.#now);
    const secretIndex =
      typeof raw === 'string'
        ? call(() => core.verify_text(raw, sig, now))
        : call(() => core.verify_bytes(raw, sig, now));
    const event = JSON.parse(bodyText(raw));
    Object.defineProperty(event, 'secretIndex', { value: secretIndex, enumerable: false });
    return event;
  }

  /**
   * Verifies, then claims the delivery in the `dedupe` store: a delivery
   * seen within `ttlSeconds` fails with `duplicate_delivery`. Only deliveries
   * that verified are claimed, so junk cannot fill the store.
   */
  async verifyOnce(body, signature) {
    if (this.#dedupe === undefined) {
      throw coreError('invalid_options', 'verifyOnce needs the dedupe option: new Webhook(secret, { dedupe: { store } })');
    }
    const event = this.verify(body, signature);
    const { store, ttlSeconds } = this.#dedupe;
    const fresh = await store.claim(deliveryKey(signature), ttlSeconds);
    if (fresh === false) throw coreError('duplicate_delivery');
    if (fresh !== true) throw invalidReturnValue('dedupe.store.claim()', fresh);
    return event;
  }

  /**
   * Verifies a Fetch API Request, reading at most maxBodyBytes of its body;
   * with the dedupe option, as verifyOnce does.
   */
  async verifyRequest(request) {
    const core = this.#ready();
    const limit = core.body_limit();
    const tooLarge = (size) => {
      try {
        call(() => core.check_body_size(size));
      } catch (error) {
        return error;
      }
      return new RangeError('body size check disagreed with the limit');
    };
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
    this.#core?.free();
    this.#core = undefined;
  }

  #ready() {
    if (this.#core === undefined) throw disposedError();
    return this.#core;
  }

  #raw(body) {
    const raw = rawBody(body);
    if (raw !== undefined) return raw;
    if (!isParsedBody(body)) throw unsupportedBody(body);
    if (!this.#allowParsedBody) throw coreError('parsed_body_mismatch');
    // The sender signed JSON.stringify(payload); re-stringifying the parsed
    // object reproduces those bytes exactly when nothing rewrote them.
    const text = jsonText(body, 'unsupported_body', 'the parsed body');
    if (text === undefined) throw coreError('unsupported_body', 'the parsed body has no JSON form');
    return text;
  }

  get [Symbol.toStringTag]() {
    return 'Webhook';
  }
}

// A string's UTF-8 length is at least its length in UTF-16 units, so a
// string (or bytes) longer than the limit is refused before it is copied
// into wasm memory; the exact size is counted only then.
function checkSizeBeforeCopy(core, raw) {
  if (raw.length <= core.body_limit()) return;
  call(() => core.check_body_size(typeof raw === 'string' ? utf8Length(raw) : raw.length));
}

function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3; // a lone surrogate becomes U+FFFD, 3 bytes
  }
  return bytes;
}

/** JSON.stringify of a caller's value; a throw (BigInt, cycle, toJSON, Proxy) becomes `code`. */
function jsonText(value, code, what) {
  return guarded(
    () => JSON.stringify(value),
    () => coreError(code, `${what} has no JSON form: JSON.stringify threw (see error.cause)`),
  );
}

/** Verifies one delivery: the typed event, or throws WebhookVerificationError. */
export function verify(body, signature, secret, options) {
  const webhook = new Webhook(secret, options, FOR_ONE_VERIFY);
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
  const core = newVerifier(secret, NO_BODY_LIMIT, undefined);
  try {
    if (typeof signature !== 'string') return false;
    return typeof raw === 'string' ? core.signature_matches_text(raw, signature) : core.signature_matches_bytes(raw, signature);
  } finally {
    core.free();
  }
}

/** Parses and validates a payload without checking any signature. */
export function parseEvent(body) {
  let raw = rawBody(body);
  if (raw === undefined) {
    if (!isParsedBody(body)) throw unsupportedBody(body);
    raw = jsonText(body, 'unsupported_body', 'the parsed body');
    if (raw === undefined) throw coreError('unsupported_body', 'the parsed body has no JSON form');
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
  const core = newVerifier(secret, NO_BODY_LIMIT, undefined);
  try {
    return typeof raw === 'string' ? call(() => core.sign_text(raw)) : call(() => core.sign_bytes(raw));
  } finally {
    core.free();
  }
}

/** `{ body, headers }` ready to POST: the payload as JSON.stringify prints it, signed. */
export function signPayload(payload, secret) {
  const body = typeof payload === 'string' ? payload : jsonText(payload, 'invalid_payload', 'the payload');
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
  const { userId, timestamp = new Date().toISOString() } = guarded(
    () => ({ userId: options.userId, timestamp: options.timestamp }),
    () => coreError('invalid_options', 'reading the options threw (see error.cause)'),
  );
  if (userId !== undefined && typeof userId !== 'string') throw invalidArgType('options.userId', 'a string', userId);
  if (typeof timestamp !== 'string') throw invalidArgType('options.timestamp', 'an ISO 8601 string', timestamp);
  const json = call(wasm.issue_change_event, jsonArg(before, 'before'), jsonArg(after, 'after'), userId, timestamp);
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
  return call(wasm.generate_secret);
}

/**
 * Checks a webhook configuration as the management API takes it.
 * @returns {{ ok: true, config: object } | { ok: false, problems: Array<{ path: string, message: string }> }}
 */
export function validateWebhookConfig(config) {
  return JSON.parse(call(wasm.validate_webhook_config, jsonText(config, 'invalid_payload', 'the config') ?? 'null'));
}

// ---------------------------------------------------------------- de-duplication store

export { MemoryReplayStore } from './replay.js';
