// The receive pipeline every verify runs, in order: the body's form, the
// clock, the signature (with the limit), JSON, the contract's schema and the
// replay window. The rules are the core's; this file only moves values.

import { bodyText, isParsedBody, rawBody, unsupportedBody } from '../core/body.js';
import { guarded, invalidArgType, kindOf, webhookError } from '../core/errors.js';
import { SIGNATURE_RULE } from '../generated/contract.js';
import { nestsTooDeep, throwInvalidJson } from '../core/wasm.js';
import { nowMillis } from './options.js';

/**
 * The verified payload of one delivery, with a non-enumerable
 * `secretIndex`; throws WebhookVerificationError.
 */
export function verifyDelivery(keys, body, signature, allowParsedBody, now) {
  const delivery = readDelivery(keys, body, signature, allowParsedBody, now);
  return checkedDelivery(keys, delivery, keys.signatureIndex(delivery.raw, delivery.signature));
}

/**
 * verifyDelivery for the asynchronous surfaces: the same steps, with the
 * signature checked by the runtime's asynchronous provider where it has
 * one (WebCrypto in workerd and browsers).
 */
export async function verifyDeliveryAsync(keys, body, signature, allowParsedBody, now) {
  const delivery = readDelivery(keys, body, signature, allowParsedBody, now);
  // Awaited only when the provider works: a synchronous answer goes straight on.
  const index = keys.asyncSignatureIndex(delivery.raw, delivery.signature);
  const secretIndex = typeof index === 'number' ? index : await index;
  return checkedDelivery(keys, delivery, secretIndex);
}

/** The delivery's parts as the checks take them, read before any hashing. */
function readDelivery(keys, body, signature, allowParsedBody, now) {
  const sig = signatureArg(signature);
  const raw = deliveryBody(body, allowParsedBody);
  // The clock is read when a window needs it, or when the caller gave one (whose errors count).
  const nowMs = keys.hasWindow || now !== undefined ? nowMillis(now) : 0;
  return { raw, signature: sig, nowMs };
}

/**
 * The payload of a delivery whose signature matched the secret at
 * `secretIndex`: always JSON.parse of the verified bytes, a fresh object
 * no caller holds, so what is checked and returned is what was signed.
 */
function checkedDelivery(keys, { raw, nowMs }, secretIndex) {
  const event = checkedPayload(raw, undefined, (payload) => keys.checkEvent(payload, nowMs, false));
  withSecretIndex(event, secretIndex);
  return event;
}

/**
 * The header value as the core takes it: a string, or undefined when there
 * is none. Frameworks hand a header as `string | string[] | undefined`: an
 * array of one string is that string; any other array (the header sent
 * more than once, or none) is malformed_signature.
 */
export function signatureArg(signature) {
  if (signature == null || typeof signature === 'string') return signature ?? undefined;
  const wrongType = () => invalidArgType('signature', 'a string or an array of one', signature);
  if (kindOf(signature) !== 'an array') throw wrongType();
  // A Proxy's traps run caller code: what they throw is the argument's fault.
  const only = guarded(() => (signature.length === 1 ? signature[0] : undefined), wrongType);
  if (typeof only === 'string') return only;
  throw webhookError(SIGNATURE_RULE.repeated, 'expected a single value');
}

/**
 * The bytes to verify: the raw body, or with allowParsedBody the text
 * JSON.stringify prints for the caller's parsed object. That text is the
 * object's one snapshot: it is verified, the event is JSON.parse of it (a
 * fresh object), and the caller's object is never read again. Refusing
 * what is not plain JSON data and handing back the caller's object would
 * still hand back what its holder can change after the check, and only
 * Node can tell a Proxy, whose traps may answer differently each read. The
 * guarantee costs one JSON.parse of the text.
 */
function deliveryBody(body, allowParsedBody) {
  const raw = rawBody(body);
  if (raw !== undefined) return raw;
  if (!isParsedBody(body)) throw unsupportedBody(body);
  // The same diagnosis as the adapters': a parser ran before this code.
  if (!allowParsedBody) throw webhookError('parsed_body_mismatch', 'the body is already parsed');
  return parsedBodyText(body);
}

/** JSON.stringify of a caller's value; a throw (BigInt, cycle, toJSON, Proxy) becomes `code`. */
export function jsonText(value, code, what) {
  return guarded(
    () => JSON.stringify(value),
    () => webhookError(code, `${what} has no JSON form: JSON.stringify threw (see error.cause)`),
  );
}

/**
 * The sender signed JSON.stringify(payload); re-stringifying a parsed body
 * reproduces those bytes exactly when nothing rewrote them.
 */
export function parsedBodyText(body) {
  const text = jsonText(body, 'unsupported_body', 'the parsed body');
  if (text === undefined) throw webhookError('unsupported_body', 'the parsed body has no JSON form');
  return text;
}

/**
 * The payload of `raw`, checked by `check(payload, parsedByCaller)`. A
 * caller's parsed object is returned as it is when it holds exactly what
 * was signed and passes, which spares a second parse; otherwise what
 * JSON.parse makes of the signed text is checked and returned.
 */
export function checkedPayload(raw, parsed, check) {
  if (parsed !== undefined && readsBackAsSigned(parsed)) {
    try {
      check(parsed, true);
      return parsed;
    } catch {
      // A richer object than JSON's (a getter, a Proxy): judge the text instead.
    }
  }
  const payload = parseJson(raw);
  check(payload, false);
  return payload;
}

/**
 * Whether `value` reads back exactly as JSON.stringify printed it: plain
 * objects and arrays without holes, strings, booleans, null and finite
 * numbers other than -0. JSON.parse makes -0 of `-0` and Infinity of
 * `1e999`, which JSON.stringify prints as `0` and `null`: a body edited that
 * way keeps its signature, so such an object is not handed back.
 */
function readsBackAsSigned(value) {
  try {
    return holdsOnlyWhatWasSigned(value);
  } catch {
    return false; // a getter or a Proxy's trap threw
  }
}

function holdsOnlyWhatWasSigned(value) {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      const prototype = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        if (prototype !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) {
          // A hole prints as null.
          if (!(i in value) || !holdsOnlyWhatWasSigned(value[i])) return false;
        }
        return true;
      }
      if ((prototype !== Object.prototype && prototype !== null) || typeof value.toJSON === 'function') return false;
      // for-in over a plain object walks its own keys (a polluted prototype's
      // would be walked too, which can only send it to JSON.parse). Nesting
      // too deep for the stack throws: readsBackAsSigned then says no.
      for (const key in value) {
        if (!holdsOnlyWhatWasSigned(value[key])) return false;
      }
      return true;
    }
    default:
      return false; // undefined, a function or a symbol is left out of the text
  }
}

/**
 * JSON.parse of a body, within the core's nesting limit (V8 would parse a
 * million levels, which the caller's own JSON.stringify then cannot print).
 * When either refuses, the core says why and where: its parser stops at the
 * first fault in the text, so a body both malformed and too deep gets the
 * same error whichever check here saw it first.
 */
export function parseJson(raw) {
  const text = bodyText(raw);
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return throwInvalidJson(raw, String(error?.message));
  }
  if (nestsTooDeep(text, value)) throwInvalidJson(raw, 'nesting too deep');
  return value;
}

// One descriptor per secret index, made once: defining the property is per
// delivery. Without a prototype: defineProperty reads `get`, `set` and
// `writable` through it, and a polluted Object.prototype would answer.
const secretIndexDescriptors = [];

/** Marks a fresh event (JSON.parse's, which any property can be added to) with its secretIndex. */
function withSecretIndex(event, secretIndex) {
  const descriptor = (secretIndexDescriptors[secretIndex] ??= Object.freeze({
    __proto__: null,
    value: secretIndex,
    enumerable: false,
    configurable: true,
  }));
  Object.defineProperty(event, 'secretIndex', descriptor);
}
