// `Webhook`: keys prepared once, then verify deliveries: a body with its
// signature (`verify`, and `verifyOnce` with de-duplication), or a Fetch
// API Request read with a bound (`verifyRequest`). The work is its
// Receiver's (receiver.js); this class is what the package shows of one.

import { Receiver } from './receiver.js';

/** Verifies deliveries with keys prepared once. */
export class Webhook {
  #receiver;

  /**
   * @param {string | Uint8Array | Array<string | Uint8Array>} secret one secret, or several during a rotation
   *   (with webhookSecrets: for deliveries without X-Webhook-Id, and optional)
   * @param {object} [options] toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe, webhookSecrets, bodyTimeoutMs
   */
  constructor(secret, options) {
    this.#receiver = new Receiver(secret, options);
  }

  /**
   * The typed event, or throws WebhookVerificationError. Never de-duplicates:
   * see verifyOnce. `webhookId` is the X-Webhook-Id header, read only with
   * the webhookSecrets option.
   */
  verify(body, signature, webhookId) {
    return this.#receiver.verify(body, signature, webhookId);
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
  verifyOnce(body, signature, webhookId) {
    return this.#receiver.verifyOnce(body, signature, webhookId);
  }

  /**
   * Verifies a Fetch API Request, reading at most maxBodyBytes of its body;
   * with the dedupe option, as verifyOnce does.
   */
  verifyRequest(request) {
    return this.#receiver.verifyRequest(request);
  }

  /** Frees the prepared keys now instead of at garbage collection. */
  dispose() {
    this.#receiver.dispose();
  }

  get [Symbol.toStringTag]() {
    return 'Webhook';
  }
}
