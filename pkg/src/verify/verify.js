// The plain receive functions: a secret per call (string secrets are
// prepared once and kept, see keys.js).

import { isParsedBody, rawBody, unsupportedBody } from '../core/body.js';
import { kindOf } from '../core/errors.js';
import { checkEventValue, isKnownEventName } from '../core/wasm.js';
import { KeyRing } from '../core/keyring.js';
import { cachedKeyRing, UNLIMITED, withKeyRing } from './keys.js';
import { readOptions } from './options.js';
import { checkedPayload, parsedBodyText, verifyDelivery } from './pipeline.js';
import { withWebhookKeyRing } from './webhook-keys.js';

/**
 * Verifies one delivery: the typed event, or throws WebhookVerificationError.
 * Synchronous, so the dedupe option is refused (see Webhook.verifyOnce).
 */
export function verify(body, signature, secret, options) {
  const { toleranceSeconds, maxBodyBytes, allowParsedBody, now, webhookSecrets, webhookId } = readOptions(options, { webhookId: true });
  // `undefined` limits take the core's defaults (the contract's 5 MiB, no window).
  const limits = { maxBodyBytes, toleranceSeconds };
  if (webhookSecrets === undefined) {
    return withKeyRing(secret, limits, (keys) => verifyDelivery(keys, body, signature, allowParsedBody, now));
  }
  return withWebhookKeyRing(secret, webhookSecrets, webhookId, limits, (keys) => verifyDelivery(keys, body, signature, allowParsedBody, now));
}

/**
 * `true` when `signature` (a string, or an array of one) signs `body` with
 * `secret` (or one of them); never throws for a bad signature.
 */
export function verifySignature(body, signature, secret) {
  const { raw, text } = signatureInputs(body, signature);
  // A bad secret throws even when the signature is not a string.
  if (typeof secret === 'string') {
    const keys = cachedKeyRing(secret, UNLIMITED); // the common case, without a closure per call
    return typeof text === 'string' && keys.matches(raw, text);
  }
  return withKeyRing(secret, UNLIMITED, (keys) => typeof text === 'string' && keys.matches(raw, text));
}

/**
 * verifySignature for code that can await: WebCrypto where it is the
 * fastest HMAC the runtime has (workerd, browsers; a string secret's key is
 * imported once and kept), and otherwise the same work as verifySignature.
 * Resolves to `true` or `false`; never rejects for a bad signature.
 */
export async function verifySignatureAsync(body, signature, secret) {
  const { raw, text } = signatureInputs(body, signature);
  // Held while WebCrypto works: a cache evicting a string secret's keys meanwhile frees them after.
  const keys = typeof secret === 'string' ? cachedKeyRing(secret, UNLIMITED).hold() : new KeyRing(secret, UNLIMITED).hold();
  try {
    return typeof text === 'string' && (await keys.matchesAsync(raw, text));
  } finally {
    keys.release();
    if (typeof secret !== 'string') keys.free();
  }
}

/** The raw body (or throws unsupported_body) and the header's text: an array of one is that one. */
function signatureInputs(body, signature) {
  const raw = rawBody(body);
  if (raw === undefined) throw unsupportedBody(body);
  return { raw, text: kindOf(signature) === 'an array' ? onlyElement(signature) : signature };
}

/** The one element of an array, or undefined (a Proxy whose trap throws included: never an exception here). */
function onlyElement(array) {
  try {
    return array.length === 1 ? array[0] : undefined;
  } catch {
    return undefined;
  }
}

/** `true` for the events this version types; `false` for a later one (still verified). */
export function isKnownEvent(event) {
  try {
    const name = event?.event;
    return typeof name === 'string' && isKnownEventName(name);
  } catch {
    return false; // a Proxy or getter that throws is no known event
  }
}

/** Parses and validates a payload without checking any signature. */
export function parseEvent(body) {
  const raw = rawBody(body);
  if (raw !== undefined) return checkedPayload(raw, undefined, checkEventValue);
  if (!isParsedBody(body)) throw unsupportedBody(body);
  return checkedPayload(parsedBodyText(body), body, checkEventValue);
}
