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
import { readRedisOptions, withTimeout } from './redis-connection.js';

const FLAVORS = {
  'node-redis': (client, key, ttl) => client.set(key, '1', { NX: true, EX: ttl }),
  ioredis: (client, key, ttl) => client.set(key, '1', 'EX', ttl, 'NX'),
};

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
  constructor(options) {
    const { client, flavor, command, prefix, timeoutMs } = readRedisOptions('RedisReplayStore', options, { methods: { 'node-redis': 'set', ioredis: 'set' } });
    this.#set = command !== undefined ? (key, ttl) => command(['SET', key, '1', 'NX', 'EX', String(ttl)]) : (key, ttl) => FLAVORS[flavor](client, key, ttl);
    this.#prefix = prefix;
    this.#timeoutMs = timeoutMs;
  }

  /** True (and kept for ttlSeconds) when `key` was not set; false when it was. One round trip. */
  async claim(key, ttlSeconds) {
    checkClaim('RedisReplayStore', key, ttlSeconds);
    // EX takes whole seconds: round up, never down to 0.
    const reply = await withTimeout(this.#set(this.#prefix + key, Math.ceil(ttlSeconds)), this.#timeoutMs, 'RedisReplayStore');
    if (reply === 'OK') return true;
    if (reply === null) return false;
    throw argumentError('ERR_INVALID_RETURN_VALUE', `RedisReplayStore: SET NX answered ${JSON.stringify(reply)}, expected 'OK' or null`);
  }

  get [Symbol.toStringTag]() {
    return 'RedisReplayStore';
  }
}
