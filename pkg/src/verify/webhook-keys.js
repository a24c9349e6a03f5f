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
// the header is not read at all. The header's value is read by the
// contract's WEBHOOK_ID_RULE (blanks around it ignored, a blank one absent).

import { guarded, invalidArgType, isOwnError, kindOf, webhookError } from '../core/errors.js';
import { KeyRing } from '../core/keyring.js';
import { WEBHOOK_ID_RULE } from '../generated/contract.js';
import { withKeyRing } from './keys.js';

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
    checkWebhookSecrets(webhookSecrets);
    if (typeof webhookSecrets === 'function') {
      this.#resolve = webhookSecrets;
    } else {
      this.#byId = new Map();
      try {
        for (const id of Object.keys(webhookSecrets)) this.#byId.set(id, keysFor(webhookSecrets[id], limits, id));
      } catch (error) {
        this.free();
        throw error;
      }
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
    return chooseByWebhookId(header, this.#fallback, (id) => (this.#byId !== undefined ? this.#byId.get(id) : this.#resolvedKeys(id)));
  }

  /** Keys for what the resolver answers for `id` now; the last answers are kept prepared. */
  #resolvedKeys(id) {
    const secrets = resolveSecrets(this.#resolve, id);
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

/**
 * The one rule for choosing by X-Webhook-Id: an id gives `byId(id)`'s
 * keys or secrets (undefined: unknown_webhook); no header gives the
 * fallback (undefined: unknown_webhook too). A repeated header names no
 * webhook, and is never taken for an absent one.
 */
function chooseByWebhookId(header, fallback, byId) {
  const id = headerValue(header);
  if (id === undefined) {
    if (fallback === undefined) throw webhookError('unknown_webhook', 'no X-Webhook-Id header, and no secret for deliveries without one');
    return fallback;
  }
  const chosen = byId(id);
  if (chosen === undefined) throw webhookError('unknown_webhook', `X-Webhook-Id ${JSON.stringify(id.slice(0, SHOWN_ID_CHARS))}`);
  return chosen;
}

/**
 * The plain verify() sees one delivery: it prepares the keys of that
 * delivery's webhook only (not those of every id in an object), and frees
 * them after `use(keys)`; the plain secret, when it serves, as verify()
 * prepares any secret.
 */
export function withWebhookKeyRing(secret, webhookSecrets, header, limits, use) {
  checkWebhookSecrets(webhookSecrets);
  const fallback = isUnset(secret) ? undefined : secret;
  let chosenId;
  const chosen = chooseByWebhookId(header, fallback, (id) => {
    chosenId = id;
    const secrets = typeof webhookSecrets === 'function' ? resolveSecrets(webhookSecrets, id) : ownValue(webhookSecrets, id);
    return isUnset(secrets) ? undefined : secrets;
  });
  if (chosenId === undefined) return withKeyRing(chosen, limits, use);
  const keys = keysFor(chosen, limits, chosenId);
  try {
    return use(keys);
  } finally {
    keys.free();
  }
}

function checkWebhookSecrets(webhookSecrets) {
  if (typeof webhookSecrets === 'function') return;
  if (typeof webhookSecrets === 'object' && webhookSecrets !== null && !Array.isArray(webhookSecrets)) return;
  throw webhookError('invalid_options', `webhookSecrets must be an object { webhookId: secret } or a function (webhookId) => secret, got ${kindOf(webhookSecrets)}`);
}

/** An object's own value for `id` (an id such as `constructor` or `__proto__` names nothing inherited). */
function ownValue(object, id) {
  return guarded(
    () => (Object.hasOwn(object, id) ? object[id] : undefined),
    () => webhookError('invalid_options', `reading webhookSecrets[${JSON.stringify(id.slice(0, SHOWN_ID_CHARS))}] threw (see error.cause)`),
  );
}

/** What the webhookSecrets function answers for `id`; what it throws is wrapped, with it as the cause. */
function resolveSecrets(resolve, id) {
  return guarded(
    () => resolve(id),
    () => webhookError('invalid_options', `webhookSecrets(${JSON.stringify(id.slice(0, SHOWN_ID_CHARS))}) threw (see error.cause)`),
  );
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

/** The id the header names, or undefined when it is absent or blank; sent more than once, the rule's error. */
function headerValue(header) {
  const value = guarded(
    () => (Array.isArray(header) ? onlyValue(header) : header),
    () => invalidArgType('webhookId', 'a string', header),
  );
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidArgType('webhookId', 'a string (the X-Webhook-Id header)', value);
  const id = withoutBlanks(value, WEBHOOK_ID_RULE.blanks);
  return id === '' ? undefined : id;
}

/** The one value of a header given as an array (none: absent); several name no one webhook. */
function onlyValue(values) {
  if (values.length === 0) return undefined;
  if (values.length === 1) return values[0];
  throw webhookError(WEBHOOK_ID_RULE.repeated, 'several X-Webhook-Id headers');
}

/** `value` without the `blanks` characters around it. */
function withoutBlanks(value, blanks) {
  let start = 0;
  let end = value.length;
  while (start < end && blanks.includes(value[start])) start++;
  while (end > start && blanks.includes(value[end - 1])) end--;
  return value.slice(start, end);
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
