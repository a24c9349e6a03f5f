// A ReplayStore in Redis, shared by every process that talks to the same
// server. One command does the whole claim atomically:
//
//   SET <prefix><key> 1 NX EX <ttlSeconds>   ->  OK (first time) | nil (seen)
//
// The package depends on no Redis client: you pass yours. Its `set` call
// differs between the two common clients, so say which one it is (guessing
// wrong would drop the NX and accept every repeat):
//
//   new RedisReplayStore({ client, flavor: 'node-redis' })  // client.set(k, '1', { NX: true, EX: ttl })
//   new RedisReplayStore({ client, flavor: 'ioredis' })     // client.set(k, '1', 'EX', ttl, 'NX')
//   new RedisReplayStore({ command: (args) => client.sendCommand(args) })  // any other client: raw arguments
//
// When Redis does not answer within `timeoutMs` the claim rejects, as it does
// when the client throws: `verifyOnce` passes that error on (the receiver
// answers 5xx) unless the Webhook's `dedupe.failOpen` says to accept.

import { argumentError } from '../core/errors.js';
import { checkClaim } from './claim.js';

const FLAVORS = {
  'node-redis': (client, key, ttl) => client.set(key, '1', { NX: true, EX: ttl }),
  ioredis: (client, key, ttl) => client.set(key, '1', 'EX', ttl, 'NX'),
};
const DEFAULT_TIMEOUT_MS = 2000;

export class RedisReplayStore {
  #set; // (key, ttlSeconds) => Promise<'OK' | null>
  #prefix;
  #timeoutMs;

  /**
   * @param {object} options
   * @param {object} [options.client] a connected node-redis (v4+) or ioredis client
   * @param {'node-redis' | 'ioredis'} [options.flavor] which of the two `client` is (required with `client`)
   * @param {(args: string[]) => unknown} [options.command] instead of client and flavor: sends raw
   *   arguments, e.g. `(args) => client.sendCommand(args)` (node-redis) or `(args) => client.call(...args)` (ioredis)
   * @param {string} [options.prefix] put before every key (default ''), to share a database with other data
   * @param {number} [options.timeoutMs] a claim not answered by then rejects (default 2000; Promptfoo waits 10 s)
   */
  constructor({ client, flavor, command, prefix = '', timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
    if (command !== undefined) {
      if (typeof command !== 'function') throw argError('command must be a function taking the arguments of one Redis command');
      if (client !== undefined || flavor !== undefined) throw argError('pass either command, or client with flavor, not both');
      this.#set = (key, ttl) => command(['SET', key, '1', 'NX', 'EX', String(ttl)]);
    } else {
      if (typeof client?.set !== 'function') throw argError('client must be a Redis client with a set() method (or pass command)');
      if (!Object.hasOwn(FLAVORS, flavor)) throw argError(`flavor must be 'node-redis' or 'ioredis', got ${String(flavor)}`);
      const set = FLAVORS[flavor];
      this.#set = (key, ttl) => set(client, key, ttl);
    }
    if (typeof prefix !== 'string') throw argError('prefix must be a string');
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw argError('timeoutMs must be a positive number');
    this.#prefix = prefix;
    this.#timeoutMs = timeoutMs;
  }

  /** True (and kept for ttlSeconds) when `key` was not set; false when it was. One round trip. */
  async claim(key, ttlSeconds) {
    checkClaim('RedisReplayStore', key, ttlSeconds);
    // EX takes whole seconds: round up, never down to 0.
    const reply = await withTimeout(this.#set(this.#prefix + key, Math.ceil(ttlSeconds)), this.#timeoutMs);
    if (reply === 'OK') return true;
    if (reply === null) return false;
    throw argumentError('ERR_INVALID_RETURN_VALUE', `RedisReplayStore: SET NX answered ${JSON.stringify(reply)}, expected 'OK' or null`);
  }

  get [Symbol.toStringTag]() {
    return 'RedisReplayStore';
  }
}

/** `promise`, or a rejection once `ms` pass first. The command itself may still land later. */
function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`RedisReplayStore: no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function argError(message) {
  return argumentError('ERR_INVALID_ARG_TYPE', `RedisReplayStore: ${message}`);
}
