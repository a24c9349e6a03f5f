// The shared inbox: verified deliveries in Redis, recorded by any number of
// receiver processes and run by any number of workers on other hosts.
//
//   const inbox = new RedisInbox({ client, flavor: 'node-redis' }, { maxAttempts: 8 });
//   createNodeMiddleware(secret, { inbox, processInbox: false });  // receivers: record, answer
//   createInboxWorker({ inbox, onEvent });                          // workers: run
//
// The connection is taken as RedisReplayStore takes it (../stores/
// redis-connection.js): your node-redis or ioredis client with its flavor,
// or a `command` function for raw arguments; `prefix` (default
// 'promptfoo-webhooks:inbox:') and `timeoutMs` (default 2000: a record that
// Redis does not answer in time rejects, so the receiver answers 503).
//
// Durability is the server's: a record is on disk when Redis says so, which
// with `appendonly yes` and `appendfsync always` is before it answers.
//
// The layout under the prefix; every step that touches more than one key is
// one Lua script (SCRIPT below), so it is atomic, and in the AOF as a whole:
//   e:<id>      hash: the entry (body, signature, webhookId, receivedAt,
//               orderKey, state, attempts, nextAttemptAt, lastError, and
//               msg: the stream message that leases it, '' when none)
//   seq         the last entry id
//   d:<key>     the entry id a dedupe key maps to
//   stream      stream of { e: id } messages, one per entry that may run
//               now, with the consumer group 'workers': XREADGROUP hands a
//               new message out, the group's pending list is the lease
//               (its idle time: XCLAIM ... JUSTID renews it, XAUTOCLAIM takes
//               it over once idle past leaseMs), XACK ends it
//   q:<issue>   list: the issue's pending entries in the order received;
//               only its head has a message, the next one gets its message
//               when the head is done or dead (per-issue order)
//   delayed     zset: entries backing off, by nextAttemptAt; a claim moves
//               the due ones back to the stream
//   pending, done, dead   zsets of entry ids by state (counts, list); a done
//               entry keeps its summary but drops its body and signature
//   doneUntil   zset: done entry ids by when they expire (Redis's clock)
//
// Retention, as SqliteInbox keeps it: a done entry's hash and dedupe key
// expire keepDoneMs after its ack (PEXPIRE, set by the ack), so a repeat
// within it is the same entry and one after it is a new one. Until a claim
// trims them (at most once a minute per inbox object), the expired ids stay
// in done and doneUntil, which counts and list read past by that time. Dead
// entries stay until purgeDead(). The same trim removes the group's
// consumers that hold nothing and have been idle 10 x leaseMs (each worker
// start is a new consumer name).
//
// The semantics every inbox backend keeps are in worker.js.

import { webhookError } from '../core/errors.js';
import { rawCommand, readRedisOptions, withTimeout } from '../stores/redis-connection.js';
import { readInboxPolicy } from './worker.js';

// How much of a handler's error an entry keeps.
const KEPT_ERROR_CHARS = 1000;
const STATES = ['pending', 'done', 'dead'];
// How often a claim trims expired done ids and idle consumers (per inbox object).
const TIDY_EVERY_MS = 60_000;
// A consumer that holds nothing and has been idle this many leases is gone (a stopped worker).
const IDLE_CONSUMER_LEASES = 10;

// One script, one SHA: ARGV[1] names the step, ARGV[2] is the prefix.
const SCRIPT = `
local op, P = ARGV[1], ARGV[2]
local S, G = P .. 'stream', 'workers'
local function entry(id) return P .. 'e:' .. id end
local function ensureGroup()
  if redis.call('EXISTS', S) == 0 then redis.call('XGROUP', 'CREATE', S, G, '0', 'MKSTREAM') end
end
-- The entry may run now: a message in the stream for a worker to read.
local function ticket(id)
  redis.call('HSET', entry(id), 'msg', redis.call('XADD', S, '*', 'e', id))
end
-- The message leasing entry id, when worker holds it; nil otherwise.
local function owned(id, worker)
  local msg = redis.call('HGET', entry(id), 'msg')
  if not msg or msg == '' then return nil end
  local held = redis.call('XPENDING', S, G, msg, msg, 1)
  if #held == 0 or held[1][2] ~= worker then return nil end
  return msg
end
local function release(msg)
  redis.call('XACK', S, G, msg)
  redis.call('XDEL', S, msg)
end
-- The entry left its issue's queue (done or dead): the next one may run.
local function advance(id)
  local order = redis.call('HGET', entry(id), 'orderKey')
  if not order or order == '' then return end
  local q = P .. 'q:' .. order
  redis.call('LREM', q, 1, id)
  local head = redis.call('LINDEX', q, 0)
  if head and redis.call('HGET', entry(head), 'msg') == '' and not redis.call('ZSCORE', P .. 'delayed', head) then ticket(head) end
end
-- Queued behind its issue, or free to run at once.
local function enqueue(id, order)
  if order == '' or redis.call('RPUSH', P .. 'q:' .. order, id) == 1 then ticket(id) end
end
local function move(id, from, to)
  redis.call('ZREM', P .. from, id)
  redis.call('ZADD', P .. to, id, id)
end
-- Redis's clock in ms: the one PEXPIRE counts with.
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function isKept(id, now)
  return tonumber(redis.call('ZSCORE', P .. 'doneUntil', id) or '0') > now
end
-- Drops expired done ids from the indexes (their keys expired by themselves), in bounded
-- batches, and the consumers that hold nothing and have been idle past idleMs.
local function tidy(idleMs)
  local now = clock()
  for _ = 1, 50 do
    local ids = redis.call('ZRANGEBYSCORE', P .. 'doneUntil', '-inf', now, 'LIMIT', 0, 1000)
    if #ids == 0 then break end
    redis.call('ZREM', P .. 'done', unpack(ids))
    redis.call('ZREM', P .. 'doneUntil', unpack(ids))
  end
  for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', S, G)) do
    local info = {}
    for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
    if tonumber(info.pending) == 0 and tonumber(info.idle) > idleMs then redis.call('XGROUP', 'DELCONSUMER', S, G, info.name) end
  end
end

-- The reads write nothing: looking at a database without an inbox leaves it without one.
if op ~= 'counts' and op ~= 'list' then ensureGroup() end
if op == 'record' then
  local dedupeKey, order = ARGV[3], ARGV[4]
  local known = redis.call('GET', P .. 'd:' .. dedupeKey)
  if known then return {known, '1'} end
  local id = tostring(redis.call('INCR', P .. 'seq'))
  redis.call('HSET', entry(id), 'dedupeKey', dedupeKey, 'orderKey', order, 'receivedAt', ARGV[5], 'webhookId', ARGV[6],
    'signature', ARGV[7], ARGV[8], ARGV[9], 'size', ARGV[10], 'state', 'pending', 'attempts', 0, 'nextAttemptAt', ARGV[5], 'msg', '')
  redis.call('SET', P .. 'd:' .. dedupeKey, id)
  redis.call('ZADD', P .. 'pending', id, id)
  enqueue(id, order)
  return {id, '0'}
elseif op == 'claim' then
  local worker, limit, now, leaseMs = ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
  if ARGV[7] == '1' then tidy(tonumber(ARGV[8])) end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', now, 'LIMIT', 0, 1000)) do
    redis.call('ZREM', P .. 'delayed', id)
    ticket(id)
  end
  local out = {}
  local function take(messages)
    for _, m in ipairs(messages) do
      local msg, fields = m[1], m[2]
      local id = type(fields) == 'table' and fields[2] or ''
      if id == '' or redis.call('HGET', entry(id), 'msg') ~= msg then
        release(msg) -- no entry waits on this message any more
      else
        local attempt = redis.call('HINCRBY', entry(id), 'attempts', 1)
        local e = redis.call('HMGET', entry(id), 'receivedAt', 'webhookId', 'signature', 'body', 'body64', 'orderKey')
        table.insert(out, {id, tostring(attempt), e[1] or '0', e[2] or '', e[3] or '', e[4] or '', e[5] or '', e[6] or ''})
      end
    end
  end
  -- Leases that expired (their worker died or stalled) first, then new messages.
  take(redis.call('XAUTOCLAIM', S, G, worker, leaseMs, '0-0', 'COUNT', limit)[2])
  if #out < limit then
    local fresh = redis.call('XREADGROUP', 'GROUP', G, worker, 'COUNT', limit - #out, 'STREAMS', S, '>')
    if fresh then take(fresh[1][2]) end
  end
  return out
elseif op == 'renew' then
  local msg = owned(ARGV[3], ARGV[4])
  if not msg then return 0 end
  redis.call('XCLAIM', S, G, ARGV[4], 0, msg, 'JUSTID')
  return 1
elseif op == 'ack' then
  local id = ARGV[3]
  local msg = owned(id, ARGV[4])
  if not msg then return 0 end
  release(msg)
  redis.call('HSET', entry(id), 'state', 'done', 'msg', '')
  redis.call('HDEL', entry(id), 'body', 'body64', 'signature', 'lastError')
  move(id, 'pending', 'done')
  advance(id)
  -- Kept keepDoneMs, then gone: the entry and its dedupe key together.
  local keepDoneMs = ARGV[5]
  redis.call('ZADD', P .. 'doneUntil', clock() + tonumber(keepDoneMs), id)
  redis.call('PEXPIRE', entry(id), keepDoneMs)
  redis.call('PEXPIRE', P .. 'd:' .. redis.call('HGET', entry(id), 'dedupeKey'), keepDoneMs)
  return 1
elseif op == 'fail' then
  local id = ARGV[3]
  local msg = owned(id, ARGV[4])
  if not msg then return 0 end
  release(msg)
  redis.call('HSET', entry(id), 'msg', '', 'lastError', ARGV[5])
  if ARGV[7] == '1' then
    redis.call('HSET', entry(id), 'state', 'dead')
    move(id, 'pending', 'dead')
    advance(id)
  else
    redis.call('HSET', entry(id), 'nextAttemptAt', ARGV[6])
    redis.call('ZADD', P .. 'delayed', ARGV[6], id)
  end
  return 1
elseif op == 'counts' then
  local held, expired = 0, 0
  if redis.call('EXISTS', S) == 1 then
    held = redis.call('XPENDING', S, G)[1]
    expired = #redis.call('XPENDING', S, G, 'IDLE', ARGV[3], '-', '+', 1000000)
  end
  local done = redis.call('ZCOUNT', P .. 'doneUntil', '(' .. clock(), '+inf')
  return {redis.call('ZCARD', P .. 'pending'), held - expired, done, redis.call('ZCARD', P .. 'dead')}
elseif op == 'list' then
  local state, limit, now = ARGV[3], tonumber(ARGV[4]), clock()
  local ids = {}
  for _, s in ipairs(state == '' and {'pending', 'done', 'dead'} or {state}) do
    -- The newest limit ids of the state, read page by page past done ones no longer kept.
    local found, from = 0, 0
    while found < limit do
      local page = redis.call('ZREVRANGE', P .. s, from, from + limit - 1)
      if #page == 0 then break end
      for _, id in ipairs(page) do
        if found < limit and (s ~= 'done' or isKept(id, now)) then
          table.insert(ids, tonumber(id))
          found = found + 1
        end
      end
      from = from + limit
    end
  end
  table.sort(ids, function(a, b) return a > b end)
  local out = {}
  for i = 1, math.min(limit, #ids) do
    local e = redis.call('HMGET', entry(ids[i]), 'state', 'attempts', 'receivedAt', 'webhookId', 'orderKey', 'size', 'lastError', 'nextAttemptAt')
    for j = 1, 8 do e[j] = e[j] or '' end
    table.insert(e, 1, tostring(ids[i]))
    table.insert(out, e)
  end
  return out
elseif op == 'retry' then
  local ids = {}
  if ARGV[3] == 'dead' then ids = redis.call('ZRANGE', P .. 'dead', 0, -1)
  elseif redis.call('ZSCORE', P .. 'dead', ARGV[3]) then ids = {ARGV[3]} end
  for _, id in ipairs(ids) do
    move(id, 'dead', 'pending')
    redis.call('HSET', entry(id), 'state', 'pending', 'attempts', 0, 'nextAttemptAt', ARGV[4], 'msg', '')
    -- Behind whatever its issue has pending now: it left the queue when it died.
    enqueue(id, redis.call('HGET', entry(id), 'orderKey') or '')
  end
  return #ids
elseif op == 'purgeDead' then
  local ids = redis.call('ZRANGE', P .. 'dead', 0, -1)
  for _, id in ipairs(ids) do
    local dedupeKey = redis.call('HGET', entry(id), 'dedupeKey')
    if dedupeKey then redis.call('DEL', P .. 'd:' .. dedupeKey) end
    redis.call('DEL', entry(id))
  end
  redis.call('DEL', P .. 'dead')
  return #ids
end
return redis.error_reply('unknown inbox step ' .. op)
`;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

export class RedisInbox {
  #send; // (args: string[]) => Promise<reply>
  #prefix;
  #timeoutMs;
  #sha; // the script's SHA once loaded
  #tidiedAt = 0;
  #workers = new Set();

  /**
   * @param {object} connection
   * @param {object} [connection.client] a connected node-redis (v4+) or ioredis client
   * @param {'node-redis' | 'ioredis'} [connection.flavor] which of the two `client` is (required with `client`)
   * @param {(args: string[]) => unknown} [connection.command] instead of client and flavor: sends raw
   *   arguments, e.g. `(args) => client.sendCommand(args)` (node-redis) or `(args) => client.call(...args)` (ioredis)
   * @param {string} [connection.prefix] put before every key (default 'promptfoo-webhooks:inbox:')
   * @param {number} [connection.timeoutMs] a command not answered by then rejects (default 2000; Promptfoo waits 10 s)
   * @param {object} [policy] how its entries are retried (worker.js): maxAttempts,
   *   retryBaseMs, retryMaxMs, leaseMs, concurrency, pollMs, keepDoneMs
   */
  constructor(connection, policy) {
    const options = readRedisOptions('RedisInbox', connection, {
      methods: { 'node-redis': 'sendCommand', ioredis: 'call' },
      defaultPrefix: 'promptfoo-webhooks:inbox:',
    });
    this.#send = rawCommand(options);
    this.#prefix = options.prefix;
    this.#timeoutMs = options.timeoutMs;
    /** The retry policy its workers follow. */
    this.policy = readInboxPolicy(policy);
  }

  /**
   * Records a verified delivery: `{ body, signature, webhookId, receivedAt,
   * dedupeKey, orderKey }`. Resolves to `{ id, duplicate }` once Redis has
   * it (a repeat of a recorded delivery is the same entry); rejects when
   * Redis fails or does not answer within timeoutMs.
   */
  async record(delivery) {
    const bytes = typeof delivery.body === 'string' ? utf8.encode(delivery.body) : delivery.body;
    // A verified body is JSON text: kept as text, unless its bytes are not UTF-8 (kept exactly, in base64).
    const [field, body] = bodyField(bytes);
    const [id, duplicate] = await this.#run('record', delivery.dedupeKey, delivery.orderKey ?? '', delivery.receivedAt,
      delivery.webhookId ?? '', delivery.signature, field, body, bytes.byteLength);
    return { id: Number(id), duplicate: duplicate === '1' };
  }

  /** Leases up to `limit` due entries to `worker` for `leaseUntil - now` ms of idle time; each with its attempt number (1 for the first). */
  async claim(worker, limit, now, leaseUntil) {
    const tidy = now - this.#tidiedAt >= TIDY_EVERY_MS;
    if (tidy) this.#tidiedAt = now;
    const idleMs = IDLE_CONSUMER_LEASES * this.policy.leaseMs;
    const rows = await this.#run('claim', worker, limit, now, Math.max(1, leaseUntil - now), tidy ? 1 : 0, idleMs);
    return rows.map(([id, attempt, receivedAt, webhookId, signature, text, base64, orderKey]) => ({
      id: Number(id),
      attempt: Number(attempt),
      receivedAt: Number(receivedAt),
      webhookId: webhookId || undefined,
      signature,
      body: base64 !== '' ? fromBase64(base64) : utf8.encode(text),
      orderKey: orderKey || undefined,
    }));
  }

  /** Restarts `worker`'s lease (its idle time); false when it lost it (taken over, or ended). */
  async renew(id, worker) {
    return Number(await this.#run('renew', id, worker)) === 1;
  }

  /** Done: kept keepDoneMs of this inbox's policy (a repeat is the same entry), then deleted. */
  async ack(id, worker) {
    await this.#run('ack', id, worker, this.policy.keepDoneMs);
  }

  /** The attempt failed: tried again at `nextAttemptAt`, or, with `dead`, never again. */
  async fail(id, worker, { error, nextAttemptAt, dead }) {
    const text = String(error?.stack ?? error).slice(0, KEPT_ERROR_CHARS);
    await this.#run('fail', id, worker, text, nextAttemptAt, dead ? '1' : '0');
  }

  /** `{ pending, leased, done, dead }` (leased ones are pending too; a lease idle past leaseMs is not counted). */
  async counts() {
    const [pending, leased, done, dead] = (await this.#run('counts', this.policy.leaseMs)).map(Number);
    return { pending, leased, done, dead };
  }

  /** The newest entries (of one state, when given), without their bodies. */
  async list({ state, limit = 50 } = {}) {
    if (state !== undefined && !STATES.includes(state)) throw webhookError('invalid_options', `state must be one of ${STATES.join(', ')}`);
    if (!Number.isSafeInteger(limit) || limit < 1) throw webhookError('invalid_options', 'limit must be a whole number of at least 1');
    const rows = await this.#run('list', state ?? '', limit);
    return rows.map(([id, rowState, attempts, receivedAt, webhookId, orderKey, size, lastError, nextAttemptAt]) => ({
      id: Number(id),
      state: rowState,
      attempts: Number(attempts),
      receivedAt: Number(receivedAt),
      webhookId: webhookId || undefined,
      issueId: orderKey || undefined,
      size: Number(size),
      lastError: lastError || undefined,
      nextAttemptAt: rowState === 'pending' ? Number(nextAttemptAt) : undefined,
    }));
  }

  /**
   * Makes a dead entry (or, with `'dead'`, every dead entry, oldest first)
   * pending again, from attempt 1, behind what its issue has pending now;
   * resolves to how many.
   */
  async retry(idOrDead) {
    if (idOrDead !== 'dead' && !(Number.isSafeInteger(Number(idOrDead)) && Number(idOrDead) > 0)) {
      throw webhookError('invalid_options', "retry takes an entry id or 'dead'");
    }
    const count = Number(await this.#run('retry', idOrDead, Date.now()));
    for (const worker of this.#workers) worker.kick();
    return count;
  }

  /** Deletes every dead entry (a repeat of its delivery would be a new entry); resolves to how many. */
  async purgeDead() {
    return Number(await this.#run('purgeDead'));
  }

  /** For worker.js: a worker started on this inbox, stopped by close(). */
  attach(worker) {
    this.#workers.add(worker);
  }

  /** Stops its workers (their running handlers finish). The client stays open: it is yours to quit. */
  async close() {
    await Promise.all([...this.#workers].map((worker) => worker.stop()));
    this.#workers.clear();
  }

  /** One step of SCRIPT, bounded by timeoutMs; loads the script again after a server restart (NOSCRIPT). */
  #run(op, ...args) {
    const argv = ['0', op, this.#prefix, ...args.map(String)];
    const run = async () => {
      if (this.#sha !== undefined) {
        try {
          return await this.#send(['EVALSHA', this.#sha, ...argv]);
        } catch (error) {
          if (!String(error?.message).startsWith('NOSCRIPT')) throw error;
        }
      }
      this.#sha = await this.#send(['SCRIPT', 'LOAD', SCRIPT]);
      return this.#send(['EVALSHA', this.#sha, ...argv]);
    };
    return withTimeout(run(), this.#timeoutMs, 'RedisInbox');
  }

  get [Symbol.toStringTag]() {
    return 'RedisInbox';
  }
}

/** The hash field and value a body is kept as: `body` (UTF-8 text) or `body64` (base64 of other bytes). */
function bodyField(bytes) {
  try {
    return ['body', strictUtf8.decode(bytes)];
  } catch {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return ['body64', btoa(binary)];
  }
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}
