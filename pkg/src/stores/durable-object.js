// A ReplayStore for Cloudflare Workers, in Durable Objects: shared by every
// Worker instance everywhere, and strongly consistent.
//
// Two halves:
// - `ReplayGuard`, the Durable Object class. Export it from your Worker and
//   declare it in wrangler.toml. It keeps each claimed key with its expiry in
//   `ctx.storage`. A Durable Object handles one event at a time and its input
//   gate holds other requests while a storage read is in flight, so the
//   read-then-write of one claim cannot interleave with another: it is atomic.
// - `DurableObjectReplayStore`, the client the Worker hands to `dedupe`:
//   it routes each key to one of `shards` objects (by name, so every
//   instance picks the same one) and asks it over the stub's fetch.
//
//   // wrangler.toml
//   [[durable_objects.bindings]]
//   name = "REPLAY"
//   class_name = "ReplayGuard"
//   [[migrations]]
//   tag = "v1"
//   new_sqlite_classes = ["ReplayGuard"]
//
//   // src/index.js
//   import { Webhook, DurableObjectReplayStore, ReplayGuard } from 'promptfoo-webhooks';
//   export { ReplayGuard };
//   let webhook; // one per isolate: keys prepared once
//   export default {
//     async fetch(request, env) {
//       webhook ??= new Webhook(env.PROMPTFOO_WEBHOOK_SECRET, { dedupe: { store: new DurableObjectReplayStore(env.REPLAY) } });
//       const event = await webhook.verifyRequest(request); // throws duplicate_delivery for a repeat
//       ...
//     },
//   };
//
// The protocol between the two is plain HTTP through the stub (no RPC), so
// `ReplayGuard` needs no `cloudflare:workers` import and this module loads in
// every runtime.

import { argumentError } from '../core/errors.js';
import { checkClaim } from './claim.js';

const CLAIM_URL = 'https://replay-guard/claim';
const STATS_URL = 'https://replay-guard/stats';
const KEY_PREFIX = 'claim:'; // storage key of a claimed key; its value is the expiry in ms
const DELETE_BATCH = 128; // storage.delete() takes at most 128 keys at once
const DEFAULT_NAME = 'promptfoo-webhooks-replay';

/** The client half: `new DurableObjectReplayStore(env.REPLAY, { shards })`. */
export class DurableObjectReplayStore {
  #namespace;
  #shards;
  #name;

  /**
   * @param {DurableObjectNamespace} namespace the binding of the ReplayGuard class (env.REPLAY)
   * @param {{ shards?: number, name?: string }} [options]
   *   shards: how many objects share the keys (default 1; each object serves one request at a time,
   *   so raise it for more than a few hundred deliveries a second); name: the objects' name prefix
   *   (default 'promptfoo-webhooks-replay'; changing either starts from empty objects)
   */
  constructor(namespace, { shards = 1, name = DEFAULT_NAME } = {}) {
    if (typeof namespace?.idFromName !== 'function' || typeof namespace?.get !== 'function') {
      throw argError('namespace must be a Durable Object namespace binding (env.REPLAY) of the ReplayGuard class');
    }
    if (!(Number.isSafeInteger(shards) && shards >= 1)) throw argError('shards must be a whole number of at least 1');
    if (typeof name !== 'string' || name === '') throw argError('name must be a non-empty string');
    this.#namespace = namespace;
    this.#shards = shards;
    this.#name = name;
  }

  /** True (and kept for ttlSeconds) when `key` was not claimed; false when it was. One request to one object. */
  async claim(key, ttlSeconds) {
    checkClaim('DurableObjectReplayStore', key, ttlSeconds);
    const response = await this.#stub(this.shardOf(key)).fetch(CLAIM_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key, ttlSeconds }),
    });
    const answer = await response.json().catch(() => undefined);
    if (!response.ok || typeof answer?.fresh !== 'boolean') {
      throw new Error(`DurableObjectReplayStore: the ReplayGuard answered HTTP ${response.status} ${JSON.stringify(answer)}`);
    }
    return answer.fresh;
  }

  /** How many unexpired keys each shard holds (one request per shard; for monitoring and tests). */
  async stats() {
    const shards = await Promise.all(
      Array.from({ length: this.#shards }, async (_, shard) => (await this.#stub(shard).fetch(STATS_URL)).json()),
    );
    return { shards };
  }

  /** The shard of `key`: FNV-1a of its UTF-16 units, so every instance agrees. */
  shardOf(key) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
    return (hash >>> 0) % this.#shards;
  }

  // A stub per call: stubs are cheap, and one made in one request's context
  // is not always usable from another's.
  #stub(shard) {
    return this.#namespace.get(this.#namespace.idFromName(`${this.#name}:${shard}`));
  }

  get [Symbol.toStringTag]() {
    return 'DurableObjectReplayStore';
  }
}

/** The Durable Object half: export it from the Worker as `ReplayGuard`. */
export class ReplayGuard {
  /** @param {DurableObjectState} ctx @param {object} env */
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }

  /** POST /claim `{ key, ttlSeconds }` -> `{ fresh }`; GET /stats -> `{ keys, stored, alarm }` (unexpired, held, next alarm). */
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method === 'POST' && pathname === '/claim') {
      const { key, ttlSeconds } = await request.json().catch(() => ({}));
      if (typeof key !== 'string' || !(typeof ttlSeconds === 'number' && ttlSeconds > 0 && Number.isFinite(ttlSeconds))) {
        return Response.json({ error: 'expected { key: string, ttlSeconds: positive number }' }, { status: 400 });
      }
      return Response.json({ fresh: await this.claim(key, ttlSeconds) });
    }
    if (request.method === 'GET' && pathname === '/stats') {
      const now = Date.now();
      const expiries = [...(await this.ctx.storage.list({ prefix: KEY_PREFIX })).values()];
      const keys = expiries.filter((expiry) => expiry > now).length;
      return Response.json({ keys, stored: expiries.length, alarm: await this.ctx.storage.getAlarm() });
    }
    return Response.json({ error: 'not found' }, { status: 404 });
  }

  /** True when `key` had no unexpired claim, recording one; false when it had. */
  async claim(key, ttlSeconds) {
    const storage = this.ctx.storage;
    const now = Date.now();
    // Nothing else runs in this object between this read and the put below.
    const expiry = await storage.get(KEY_PREFIX + key);
    if (expiry !== undefined && expiry > now) return false;
    const until = now + ttlSeconds * 1000;
    storage.put(KEY_PREFIX + key, until); // the answer waits until it is written (output gate)
    // The key is judged by its stored expiry; the alarm only frees the space.
    const alarm = await storage.getAlarm();
    if (alarm === null || until < alarm) await storage.setAlarm(until);
    return true;
  }

  /** Deletes expired keys and sets the next alarm at the soonest expiry left. */
  async alarm() {
    const storage = this.ctx.storage;
    const now = Date.now();
    const expired = [];
    let next = Infinity;
    for (const [storageKey, expiry] of await storage.list({ prefix: KEY_PREFIX })) {
      if (expiry <= now) expired.push(storageKey);
      else next = Math.min(next, expiry);
    }
    for (let i = 0; i < expired.length; i += DELETE_BATCH) await storage.delete(expired.slice(i, i + DELETE_BATCH));
    if (next !== Infinity) await storage.setAlarm(next);
  }
}

function argError(message) {
  return argumentError('ERR_INVALID_ARG_TYPE', `DurableObjectReplayStore: ${message}`);
}
