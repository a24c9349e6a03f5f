// `Receiver`: keys prepared once and the options that shape a delivery's
// checks, taking deliveries on every surface: a body with its signature
// (verify, verifyOnce), a Fetch API Request (verifyRequest), and a delivery
// whose parts were read already (accept: the router and the HTTP flow,
// with deliveries from delivery.js). The package's `Webhook` is one
// Receiver behind the public methods; the router keeps its own.

import { readBounded } from '../core/body.js';
import { argumentError, isOwnError, kindOf, webhookError, withCause } from '../core/errors.js';
import { bodyStream, cancelBody, requestDelivery } from './delivery.js';
import { readOptions } from './options.js';
import { signatureArg, verifyDelivery, verifyDeliveryAsync } from './pipeline.js';
import { WebhookKeys } from './webhook-keys.js';

export class Receiver {
  #keys;
  #allowParsedBody;
  #now;
  #dedupe;
  #bodyTimeoutMs;

  /** The arguments of `new Webhook(secret, options)`, checked whole. */
  constructor(secret, options) {
    const { toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe, webhookSecrets, bodyTimeoutMs } = readOptions(options, { asynchronous: true });
    this.#keys = new WebhookKeys(secret, webhookSecrets, { maxBodyBytes, toleranceSeconds });
    this.#allowParsedBody = allowParsedBody;
    this.#now = now;
    this.#dedupe = dedupe;
    this.#bodyTimeoutMs = bodyTimeoutMs;
  }

  /** Whether the X-Webhook-Id header picks the secrets (the webhookSecrets option). */
  get readsWebhookId() {
    return this.#ready().byWebhookId;
  }

  /** The typed event of a body, or throws WebhookVerificationError; never de-duplicates. */
  verify(body, signature, webhookId) {
    return verifyDelivery(this.#ready().for(webhookId), body, signature, this.#allowParsedBody, this.#now);
  }

  /** verify, then a claim in the `dedupe` store (see Webhook.verifyOnce). */
  async verifyOnce(body, signature, webhookId) {
    if (this.#dedupe === undefined) {
      throw webhookError('invalid_options', 'verifyOnce needs the dedupe option: new Webhook(secret, { dedupe: { store } })');
    }
    return this.#verifyOnceWith(this.#ready().for(webhookId), body, signature);
  }

  /** A Fetch API Request, read with the bound; always a promise. */
  verifyRequest(request) {
    try {
      return this.accept(requestDelivery(request, this.readsWebhookId));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A promise of the event of a delivery (delivery.js): its keys chosen
   * (an unknown X-Webhook-Id throws here, before the body is read), its
   * body read with the bound when it is still a stream, then verified, and
   * claimed when this Receiver de-duplicates.
   */
  accept(delivery) {
    const keys = this.#keysFor(delivery);
    if (delivery.request === undefined) return this.#verified(keys, delivery.body, delivery.signature);
    return this.#readAndVerify(keys, delivery);
  }

  /** Frees the prepared keys now instead of at garbage collection. */
  dispose() {
    this.#keys?.free();
    this.#keys = undefined;
  }

  #keysFor(delivery) {
    const webhookKeys = this.#ready();
    try {
      return webhookKeys.for(delivery.webhookId);
    } catch (error) {
      cancelBody(delivery);
      throw error;
    }
  }

  /** A streamed delivery with its keys chosen: held across the body's read, whatever a cache evicts meanwhile. */
  async #readAndVerify(keys, delivery) {
    keys.hold();
    try {
      if (delivery.declared > keys.bodyLimit) {
        // Refused unread: let go of the body, so whoever owns the connection can drop the rest.
        cancelBody(delivery);
        throw tooLargeFor(keys, delivery.declared);
      }
      const body = await this.#readBody(keys, delivery);
      return await this.#verified(keys, body, delivery.signature);
    } finally {
      keys.release();
    }
  }

  /** The body of a streamed delivery, at most the keys' limit, within bodyTimeoutMs. */
  async #readBody(keys, delivery) {
    const { declared } = delivery;
    try {
      return await readBounded(bodyStream(delivery), keys.bodyLimit, (size) => tooLargeFor(keys, size), {
        declared,
        longerThanDeclared: (size) => webhookError('body_length_mismatch', `${size} bytes or more, ${declared} declared`),
        timeoutMs: this.#bodyTimeoutMs,
        timedOut: () => webhookError('body_timeout', `not ended after ${this.#bodyTimeoutMs} ms`),
      });
    } catch (thrown) {
      if (isOwnError(thrown)) throw thrown;
      throw withCause(webhookError('unsupported_body', 'the request body could not be read (see error.cause)'), thrown);
    }
  }

  /** A whole delivery with its keys chosen: verified, and claimed when this Receiver de-duplicates. */
  #verified(keys, body, signature) {
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

  #ready() {
    if (this.#keys === undefined) {
      throw argumentError('ERR_INVALID_STATE', 'this Webhook was disposed');
    }
    return this.#keys;
  }
}

/** The body_too_large error for `size` bytes with `keys`' limit. */
function tooLargeFor(keys, size) {
  return keys.sizeError(size) ?? new RangeError('size check disagreed');
}
