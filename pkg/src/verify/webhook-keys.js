// Secrets chosen by the delivery's X-Webhook-Id. Promptfoo names the
// webhook (subscription) a delivery belongs to in that header; teams point
// several webhooks, each with its own secret, at one receiver. The
// `webhookSecrets` option gives the secrets per id:
//
//   { wh_siem: SECRET_A, wh_jira: [NEW_B, OLD_B] }      prepared at once (rotation per id)
//   (webhookId) => secrets | undefined                  asked per delivery (a lookup of yours)
//
// A known id verifies with its own secrets only; an id with none is
// unknown_webhook (401); without the header the plain `secret` applies, and
// with no plain secret that is unknown_webhook too. Without webhookSecrets
// the header is not read at all.

import { guarded, invalidArgType, isOwnError, kindOf, webhookError } from '../core/errors.js';
import { KeyRing } from '../core/keyring.js';

// Ids a resolver answered, with the keys prepared for what it answered.
const RESOLVED_CACHE_SIZE = 256;
// How much of a sender's id an error shows.
const SHOWN_ID_CHARS = 64;

export class WebhookKeys {
  /** The keys for deliveries without the header (or without webhookSecrets); undefined when no secret was given. */
  #fallback;
  /** id -> KeyRing, from a webhookSecrets object. */
  #byId;
  /** webhookSecrets as a function, and what it answered lately: id -> { secrets, keys }. */
  #resolve;
  #resolved = new Map();
  #limits;

  /**
   * @param secret the plain secret(s); may be unset when webhookSecrets is given
   * @param webhookSecrets undefined, an object id -> secret(s), or (id) => secret(s) | undefined
   * @param limits { maxBodyBytes, toleranceSeconds }
   */
  constructor(secret, webhookSecrets, limits) {
    this.#limits = limits;
    if (webhookSecrets === undefined) {
      this.#fallback = new KeyRing(secret, limits);
      return;
    }
    if (typeof webhookSecrets === 'function') {
      this.#resolve = webhookSecrets;
    } else if (typeof webhookSecrets === 'object' && webhookSecrets !== null && !Array.isArray(webhookSecrets)) {
      this.#byId = new Map();
      try {
        for (const id of Object.keys(webhookSecrets)) this.#byId.set(id, keysFor(webhookSecrets[id], limits, id));
      } catch (error) {
        this.free();
        throw error;
      }
    } else {
      throw webhookError('invalid_options', `webhookSecrets must be an object { webhookId: secret } or a function (webhookId) => secret, got ${kindOf(webhookSecrets)}`);
    }
    // With secrets per id, the plain secret is optional: it serves deliveries without the header.
    if (!isUnset(secret)) this.#fallback = new KeyRing(secret, limits);
  }

  /** Whether the X-Webhook-Id header picks the secrets (webhookSecrets was given). */
  get byWebhookId() {
    return this.#byId !== undefined || this.#resolve !== undefined;
  }

  /**
   * The keys for a delivery whose X-Webhook-Id is `header` (a string, an
   * array of one as Node gives a repeated header, or absent).
   */
  for(header) {
    if (!this.byWebhookId) return this.#fallback;
    const id = headerValue(header);
    if (id === undefined) {
      if (this.#fallback === undefined) throw webhookError('unknown_webhook', 'no X-Webhook-Id header, and no secret for deliveries without one');
      return this.#fallback;
    }
    const keys = this.#byId !== undefined ? this.#byId.get(id) : this.#resolvedKeys(id);
    if (keys === undefined) throw webhookError('unknown_webhook', `X-Webhook-Id ${JSON.stringify(id.slice(0, SHOWN_ID_CHARS))}`);
    return keys;
  }

  /** Keys for what the resolver answers for `id` now; the last answers are kept prepared. */
  #resolvedKeys(id) {
    const secrets = this.#resolve(id);
    if (isUnset(secrets)) return undefined;
    const cached = this.#resolved.get(id);
    if (cached !== undefined && sameSecrets(cached.secrets, secrets)) return cached.keys;
    const keys = keysFor(secrets, this.#limits, id);
    if (cached !== undefined) cached.keys.free();
    this.#resolved.delete(id);
    if (this.#resolved.size >= RESOLVED_CACHE_SIZE) {
      const [oldest, entry] = this.#resolved.entries().next().value;
      entry.keys.free();
      this.#resolved.delete(oldest);
    }
    this.#resolved.set(id, { secrets: snapshot(secrets), keys });
    return keys;
  }

  free() {
    this.#fallback?.free();
    for (const keys of this.#byId?.values() ?? []) keys.free();
    for (const { keys } of this.#resolved.values()) keys.free();
    this.#fallback = undefined;
    this.#byId?.clear();
    this.#resolved.clear();
  }
}

/** A KeyRing for one webhook's secret(s); an unusable one names the id. */
function keysFor(secrets, limits, id) {
  try {
    return new KeyRing(secrets, limits);
  } catch (error) {
    if (!isOwnError(error)) throw error;
    error.message = `${error.message} (webhookSecrets[${JSON.stringify(id)}])`;
    throw error;
  }
}

/** The header as one string, or undefined when absent or empty. */
function headerValue(header) {
  const value = guarded(
    () => (Array.isArray(header) ? (header.length === 1 ? header[0] : undefined) : header),
    () => invalidArgType('webhookId', 'a string', header),
  );
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalidArgType('webhookId', 'a string (the X-Webhook-Id header)', value);
  return value.trim();
}

function isUnset(secret) {
  return secret === undefined || secret === null || (Array.isArray(secret) && secret.every((s) => s === undefined || s === null));
}

/** Strings compare by value; anything else (bytes) is prepared anew each time. */
function snapshot(secrets) {
  const list = Array.isArray(secrets) ? secrets : [secrets];
  return list.every((s) => typeof s === 'string' || s == null) ? list.slice() : undefined;
}

function sameSecrets(known, secrets) {
  const list = Array.isArray(secrets) ? secrets : [secrets];
  return known !== undefined && known.length === list.length && known.every((s, i) => s === list[i]);
}
