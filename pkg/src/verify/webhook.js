// `Webhook`: keys prepared once, then verify deliveries: a body with its
// signature (`verify`, and `verifyOnce` with de-duplication), or a Fetch
// API Request read with a bound (`verifyRequest`).

import { readBounded } from '../core/body.js';
import { argumentError, invalidArgType, isOwnError, kindOf, webhookError, withCause } from '../core/errors.js';
import { SIGNATURE_HEADER_LOWER, WEBHOOK_ID_HEADER } from '../generated/contract.js';
import { readOptions } from './options.js';
import { signatureArg, verifyDelivery, verifyDeliveryAsync } from './pipeline.js';
import { WebhookKeys } from './webhook-keys.js';

const WEBHOOK_ID_HEADER_LOWER = WEBHOOK_ID_HEADER.toLowerCase();

// Read by acceptDelivery and verifyRequestWithHeaders (below): how each Webhook takes
// a delivery on the asynchronous paths. A WeakMap filled by the constructor
// rather than a static block, which bundlers would keep as a side effect.
const accepters = new WeakMap();

/** Verifies deliveries with keys prepared once. */
export class Webhook {
  #keys;
  #allowParsedBody;
  #now;
  #dedupe;
  #bodyTimeoutMs;

  /**
   * @param {string | Uint8Array | Array<string | Uint8Array>} secret one secret, or several during a rotation
   *   (with webhookSecrets: for deliveries without X-Webhook-Id, and optional)
   * @param {object} [options] toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe, webhookSecrets, bodyTimeoutMs
   */
  constructor(secret, options) {
    const { toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe, webhookSecrets, bodyTimeoutMs } = readOptions(options, { asynchronous: true });
    this.#keys = new WebhookKeys(secret, webhookSecrets, { maxBodyBytes, toleranceSeconds });
    this.#allowParsedBody = allowParsedBody;
    this.#now = now;
    this.#dedupe = dedupe;
    this.#bodyTimeoutMs = bodyTimeoutMs;
    accepters.set(this, {
      delivery: (body, signature, webhookId) => this.#accept(this.#ready().for(webhookId), body, signature),
      request: (request, headers) => this.#verifyRequest(request, headers),
    });
  }

  /**
   * The typed event, or throws WebhookVerificationError. Never de-duplicates:
   * see verifyOnce. `webhookId` is the X-Webhook-Id header, read only with
   * the webhookSecrets option.
   */
  verify(body, signature, webhookId) {
    return verifyDelivery(this.#ready().for(webhookId), body, signature, this.#allowParsedBody, this.#now);
  }

  /**
   * Verifies, then claims the delivery in the `dedupe` store: a delivery
   * seen within `ttlSeconds` fails with `duplicate_delivery`. Only deliveries
   * that verified are claimed, so junk cannot fill the store. The store key
   * is the 32 bytes the signature decodes to, so a repeat spelt another way
   * (upper case, blanks) is the same delivery.
   *
   * A store that throws (its database is down) rejects with that error, so
   * the receiver answers 5xx; with `failOpen` the delivery is accepted
   * instead (a repeat may then pass), after `failOpen(error)` when it is a
   * function.
   */
  async verifyOnce(body, signature, webhookId) {
    if (this.#dedupe === undefined) {
      throw webhookError('invalid_options', 'verifyOnce needs the dedupe option: new Webhook(secret, { dedupe: { store } })');
    }
    return this.#verifyOnceWith(this.#ready().for(webhookId), body, signature);
  }

  /**
   * A delivery on an asynchronous path, with its keys chosen: verified, and
   * claimed when this Webhook de-duplicates. Not itself async: its promise
   * is the verification's, one hop fewer per delivery.
   */
  #accept(keys, body, signature) {
    if (this.#dedupe) return this.#verifyOnceWith(keys, body, signature);
    return this.#verifyHolding(keys, body, signature);
  }

  /**
   * verifyDeliveryAsync holding `keys` while it awaits (WebCrypto): a cache
   * evicting them meanwhile frees them only after.
   */
  async #verifyHolding(keys, body, signature) {
    keys.hold();
    try {
      return await verifyDeliveryAsync(keys, body, signature, this.#allowParsedBody, this.#now);
    } finally {
      keys.release();
    }
  }

  /** verifyOnce with the keys already chosen (verifyRequest chose them from its headers). */
  async #verifyOnceWith(keys, body, signature) {
    const event = await this.#verifyHolding(keys, body, signature);
    const { store, ttlSeconds, failOpen } = this.#dedupe;
    let fresh;
    try {
      // The key is computed before the await: it needs no prepared keys.
      fresh = await store.claim(`promptfoo-webhooks:${keys.deliveryKey(signatureArg(signature))}`, ttlSeconds);
    } catch (error) {
      if (failOpen === false) throw error;
      if (typeof failOpen === 'function') failOpen(error);
      return event;
    }
    if (fresh === false) throw webhookError('duplicate_delivery');
    if (fresh !== true) {
      throw argumentError(
        'ERR_INVALID_RETURN_VALUE',
        `dedupe.store.claim() must return true or false (or a Promise of one), got ${kindOf(fresh)}`,
      );
    }
    return event;
  }

  /**
   * Verifies a Fetch API Request, reading at most maxBodyBytes of its body;
   * with the dedupe option, as verifyOnce does.
   */
  verifyRequest(request) {
    // Not itself async: the promise is #verifyRequest's.
    return this.#verifyRequest(request, undefined);
  }

  /** verifyRequest, given the request's headers when an adapter has read them already. */
  async #verifyRequest(request, knownHeaders) {
    const webhookKeys = this.#ready();
    const { headers, signature, declared } = requestHead(request, knownHeaders);
    // The keys first: an unknown X-Webhook-Id is refused before the body is read.
    let keys;
    try {
      // Read only when it picks the secrets: a header read is a call into the runtime.
      keys = webhookKeys.for(webhookKeys.byWebhookId ? headerOf(request, headers, WEBHOOK_ID_HEADER_LOWER) : undefined);
    } catch (error) {
      cancelQuietly(request);
      throw error;
    }
    // Held across the body's read: the keys stay usable whatever a cache evicts meanwhile.
    keys.hold();
    try {
      return await this.#verifyRequestWith(keys, request, signature, declared);
    } finally {
      keys.release();
    }
  }

  /** The rest of verifyRequest, with its keys chosen and held. */
  async #verifyRequestWith(keys, request, signature, declared) {
    const limit = keys.bodyLimit;
    if (declared > limit) {
      // Refused unread: let go of the body, so whoever owns the connection can drop the rest.
      cancelQuietly(request);
      throw tooLargeFor(keys, declared);
    }
    let body;
    try {
      body = await readBounded(bodyStream(request), limit, (size) => tooLargeFor(keys, size), {
        declared,
        longerThanDeclared: (size) => webhookError('body_length_mismatch', `${size} bytes or more, ${declared} declared`),
        timeoutMs: this.#bodyTimeoutMs,
        timedOut: () => webhookError('body_timeout', `not ended after ${this.#bodyTimeoutMs} ms`),
      });
    } catch (thrown) {
      if (isOwnError(thrown)) throw thrown;
      throw withCause(webhookError('unsupported_body', 'the request body could not be read (see error.cause)'), thrown);
    }
    // Awaited rather than returned: an async function that returns a promise
    // takes two more turns of the microtask queue to settle.
    // The keys chosen above serve both paths: a resolver is asked once per delivery.
    return await this.#accept(keys, body, signature);
  }

  /** Frees the prepared keys now instead of at garbage collection. */
  dispose() {
    this.#keys?.free();
    this.#keys = undefined;
  }

  #ready() {
    if (this.#keys === undefined) {
      throw argumentError('ERR_INVALID_STATE', 'this Webhook was disposed');
    }
    return this.#keys;
  }

  get [Symbol.toStringTag]() {
    return 'Webhook';
  }
}

/**
 * What verifyRequest reads of a request before its body: its headers (read
 * here unless `knownHeaders` gives them), the signature, and the declared
 * length (undefined when there is none or it is not a length).
 */
function requestHead(request, knownHeaders) {
  try {
    if (typeof request !== 'object' || request === null) throw notARequest(request);
    const headers = knownHeaders ?? request.headers; // a getter: read once
    if (typeof headers?.get !== 'function') throw notARequest(request);
    return {
      headers,
      signature: headers.get(SIGNATURE_HEADER_LOWER) ?? undefined,
      // It bounds the read, never sizes it: the stream is read, and cut off
      // past it, as a runtime may not hold a Request to its declared length.
      declared: lengthOf(headers.get('content-length')),
    };
  } catch (thrown) {
    throw requestError(request, thrown);
  }
}

/** A header's value, or undefined when there is none. */
function headerOf(request, headers, name) {
  try {
    return headers.get(name) ?? undefined;
  } catch (thrown) {
    throw requestError(request, thrown);
  }
}

/** The request's body stream. */
function bodyStream(request) {
  try {
    return request.body;
  } catch (thrown) {
    throw requestError(request, thrown);
  }
}

/**
 * Reading a Request runs its getters: what they throw is the request's
 * shape (a TypeError, with the thrown value as its cause), unless it is ours.
 */
function requestError(request, thrown) {
  return isOwnError(thrown) ? thrown : withCause(notARequest(request), thrown);
}

const notARequest = (request) => invalidArgType('request', 'a Fetch API Request', request);

/** The body_too_large error for `size` bytes with `keys`' limit. */
function tooLargeFor(keys, size) {
  return keys.sizeError(size) ?? new RangeError('size check disagreed');
}

/** A Content-Length header's value, or undefined when there is none or it is not a length. */
function lengthOf(header) {
  const length = header === null ? NaN : Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** Cancels the body stream of a request nobody will read; a stream that refuses is left as it is. */
function cancelQuietly(request) {
  try {
    request.body?.cancel?.()?.catch?.(() => {});
  } catch {
    // Not a stream we can cancel (a caller's own object): nothing more to do.
  }
}

/**
 * A delivery as every asynchronous path takes it (the router, the
 * adapters): verified, then claimed when the Webhook de-duplicates.
 */
export async function acceptDelivery(webhook, body, signature, webhookId) {
  return await accepters.get(webhook).delivery(body, signature, webhookId);
}

/**
 * Webhook.verifyRequest for an adapter that has read the request's
 * headers already (`headers`): they are not read again.
 */
export function verifyRequestWithHeaders(webhook, request, headers) {
  return accepters.get(webhook).request(request, headers);
}
