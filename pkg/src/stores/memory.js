// De-duplication of deliveries. Promptfoo sends no event or delivery id, so
// a delivery is named by its signature (it depends on the body and the
// secret). A store remembers the keys it has seen for a while.
//
// The interface is one method, so a Workers KV namespace, a Durable Object,
// Redis (`SET key 1 NX EX ttl`) or a SQL table can implement it:
//
//   claim(key: string, ttlSeconds: number): boolean | Promise<boolean>
//
// It returns true when the key was not seen within its TTL, and marks it
// seen in the same atomic step; false when it was.

import { argumentError } from '../core/errors.js';
import { checkClaim } from './claim.js';

const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * An in-process ReplayStore: a Map from key to expiry, bounded in size.
 * Enough for one Node process; several processes or a Worker fleet need a
 * shared store. When full, the claim that expires soonest among the oldest
 * is forgotten first (a Map keeps insertion order).
 */
export class MemoryReplayStore {
  #expiries = new Map(); // key -> expiry in ms, oldest claim first
  #maxEntries;
  #now;

  /**
   * @param {{ maxEntries?: number, now?: () => number }} [options]
   *   maxEntries: most keys kept at once (default 10,000);
   *   now: the clock in milliseconds, for tests (default Date.now)
   */
  constructor({ maxEntries = DEFAULT_MAX_ENTRIES, now = Date.now } = {}) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw rangeError('maxEntries must be a whole number of at least 1');
    }
    if (typeof now !== 'function') throw rangeError('now must be a function returning milliseconds');
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** True (and remembered for ttlSeconds) when `key` was not seen; false when it was. Synchronous, so atomic. */
  claim(key, ttlSeconds) {
    checkClaim('MemoryReplayStore', key, ttlSeconds, 'ERR_OUT_OF_RANGE');
    const now = this.#now();
    this.#dropExpired(now);
    const expiry = this.#expiries.get(key);
    if (expiry !== undefined && expiry > now) return false;
    this.#expiries.delete(key); // expired or absent: re-inserted last
    while (this.#expiries.size >= this.#maxEntries) {
      this.#expiries.delete(this.#expiries.keys().next().value);
    }
    this.#expiries.set(key, now + ttlSeconds * 1000);
    return true;
  }

  /** How many keys are held now (expired ones may linger until the next claim). */
  get size() {
    return this.#expiries.size;
  }

  // With one TTL, insertion order is expiry order: stop at the first live key.
  #dropExpired(now) {
    for (const [key, expiry] of this.#expiries) {
      if (expiry > now) break;
      this.#expiries.delete(key);
    }
  }

  get [Symbol.toStringTag]() {
    return 'MemoryReplayStore';
  }
}

function rangeError(message) {
  return argumentError('ERR_OUT_OF_RANGE', `MemoryReplayStore: ${message}`);
}
