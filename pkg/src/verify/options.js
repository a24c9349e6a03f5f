// The verify options, read once and checked whole: an unknown name, a wrong
// type or a value out of range is invalid_options, never ignored.
//
//   toleranceSeconds  replay window on the payload's timestamp (off by default)
//   maxBodyBytes      body limit (the contract's default: 5 MiB)
//   allowParsedBody   verify JSON.stringify of a parsed object
//   now               the clock: a function, a Date or Unix milliseconds
//   dedupe            { store, ttlSeconds?, failOpen? } (asynchronous paths only)
//   webhookSecrets    secrets per X-Webhook-Id: { id: secret } or (id) => secret (webhook-keys.js)
//   webhookId         the delivery's X-Webhook-Id (the plain verify() only: elsewhere it is read per delivery)
//   bodyTimeoutMs     how long a streamed body may take to arrive (verifyRequest and the adapters)

import { guarded, invalidArgType, webhookError } from '../core/errors.js';

/** Every option's name, also for the adapters, which add their own (do not change it). */
export const VERIFY_OPTION_NAMES = ['toleranceSeconds', 'maxBodyBytes', 'allowParsedBody', 'now', 'dedupe', 'webhookSecrets', 'bodyTimeoutMs'];

// Promptfoo gives up on a delivery after 10 s: a body still arriving after
// half of that is refused (body_timeout), leaving the rest for the answer.
export const DEFAULT_BODY_TIMEOUT_MS = 5000;
// setTimeout's largest delay (2^31 - 1 ms, about 24.8 days); above it, Node fires at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The checked options; `dedupe` and `bodyTimeoutMs` only where the
 * caller's path is asynchronous (a Webhook, the router, the adapters):
 * elsewhere they are refused; `webhookId` only for the plain verify(),
 * which sees one delivery.
 */
export function readOptions(options, { asynchronous = false, webhookId = false } = {}) {
  if (options === undefined) return { allowParsedBody: false };
  // Getters and Proxies run caller code: whatever they throw is invalid_options.
  return guarded(
    () => readOptionValues(options, asynchronous, webhookId),
    () => webhookError('invalid_options', 'reading the options threw (see error.cause)'),
  );
}

/**
 * The caller's options as their own properties only, read once: an option
 * set on Object.prototype (by a polluted dependency) is no option.
 */
export function ownOptions(options) {
  const own = { __proto__: null };
  for (const key of Object.keys(options)) own[key] = options[key];
  return own;
}

function readOptionValues(given, asynchronous, webhookIdAllowed) {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw invalidArgType('options', 'an object', given);
  }
  const options = ownOptions(given);
  const names = webhookIdAllowed ? [...VERIFY_OPTION_NAMES, 'webhookId'] : VERIFY_OPTION_NAMES;
  for (const key of Object.keys(options)) {
    if (!names.includes(key)) {
      const perDelivery = key === 'webhookId' ? ': it is read from each delivery (pass it to verify(body, signature, webhookId))' : '';
      throw webhookError('invalid_options', `unknown option '${key}' (known: ${names.join(', ')})${perDelivery}`);
    }
  }
  const { toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe, webhookSecrets, webhookId, bodyTimeoutMs } = options;
  checkWholeNumber('toleranceSeconds', toleranceSeconds, 0);
  checkWholeNumber('maxBodyBytes', maxBodyBytes, 1);
  checkWholeNumber('bodyTimeoutMs', bodyTimeoutMs, 1, MAX_TIMER_MS);
  if (bodyTimeoutMs !== undefined && !asynchronous) {
    throw webhookError('invalid_options', 'bodyTimeoutMs bounds reading a request body: use new Webhook(secret, { bodyTimeoutMs }).verifyRequest() or an adapter');
  }
  if (allowParsedBody !== undefined && typeof allowParsedBody !== 'boolean') {
    throw webhookError('invalid_options', `allowParsedBody must be a boolean, got ${typeof allowParsedBody}`);
  }
  if (now !== undefined && typeof now !== 'function' && typeof now !== 'number' && !isDate(now)) {
    throw webhookError('invalid_options', 'now must be a function, a Date or a number of milliseconds');
  }
  return {
    toleranceSeconds,
    maxBodyBytes,
    allowParsedBody: allowParsedBody === true,
    now,
    dedupe: readDedupe(dedupe, asynchronous, toleranceSeconds),
    webhookSecrets,
    webhookId,
    bodyTimeoutMs: bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
  };
}

function checkWholeNumber(name, value, min, max = Number.MAX_SAFE_INTEGER) {
  if (value === undefined) return;
  if (typeof value !== 'number') throw webhookError('invalid_options', `${name} must be a number, got ${typeof value}`);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw webhookError('invalid_options', `${name} must be a whole number ${range}`);
  }
}

// ---------------------------------------------------------------- de-duplication

// Without a window a key is kept a day. With one, a payload verifies while
// its timestamp is within toleranceSeconds either side of now, so a repeat
// can arrive up to twice the window after the first copy; the slack covers
// clocks that disagree (receivers and the store's own).
const DEFAULT_DEDUPE_TTL_SECONDS = 24 * 60 * 60;
const DEDUPE_CLOCK_SLACK_SECONDS = 60;
const defaultTtl = (toleranceSeconds) =>
  toleranceSeconds === undefined ? DEFAULT_DEDUPE_TTL_SECONDS : 2 * toleranceSeconds + DEDUPE_CLOCK_SLACK_SECONDS;

function readDedupe(dedupe, allowed, toleranceSeconds) {
  if (dedupe === undefined) return undefined;
  if (!allowed) {
    throw webhookError('invalid_options', 'dedupe is asynchronous: use new Webhook(secret, { dedupe }).verifyOnce()');
  }
  if (typeof dedupe !== 'object' || dedupe === null || typeof dedupe.store?.claim !== 'function') {
    throw webhookError('invalid_options', 'dedupe must be { store, ttlSeconds?, failOpen? } with a store that has claim(key, ttlSeconds)');
  }
  const { store, ttlSeconds, failOpen = false } = dedupe;
  if (ttlSeconds !== undefined && !(Number.isSafeInteger(ttlSeconds) && ttlSeconds >= 1)) {
    throw webhookError('invalid_options', 'dedupe.ttlSeconds must be a whole number of at least 1');
  }
  if (typeof failOpen !== 'boolean' && typeof failOpen !== 'function') {
    throw webhookError('invalid_options', 'dedupe.failOpen must be a boolean or a function (error) => void');
  }
  return { store, ttlSeconds: ttlSeconds ?? defaultTtl(toleranceSeconds), failOpen };
}

// ---------------------------------------------------------------- the clock

const dateValue = Date.prototype.getTime; // throws for anything but a real Date

function isDate(value) {
  // Primitives first: the usual clock (none, or a number) throws nothing here.
  if (typeof value !== 'object' || value === null) return false;
  try {
    dateValue.call(value);
    return true;
  } catch {
    return false;
  }
}

/** Now in Unix milliseconds, from the `now` option or the system clock. */
export function nowMillis(now) {
  if (now === undefined) return Date.now();
  const millis = guarded(
    () => {
      const value = typeof now === 'function' ? now() : now;
      return isDate(value) ? dateValue.call(value) : value;
    },
    () => webhookError('invalid_options', 'the now() clock threw (see error.cause)'),
  );
  if (typeof millis !== 'number' || !Number.isFinite(millis)) {
    throw webhookError('invalid_options', 'now must give a valid Date or a finite number of milliseconds');
  }
  return millis;
}
