// The embedded inbox: verified deliveries in one SQLite file (node:sqlite,
// Node 22.13 and later, no native dependency), written before the answer.
//
//   const inbox = new SqliteInbox('./promptfoo-inbox.db');
//   http.createServer(createNodeMiddleware(secret, { inbox, onEvent })).listen(3000);
//
// Durability: WAL with synchronous=FULL for records, so a record survives
// kill -9 and power loss once its transaction commits. Group commit: every
// record asked for in one turn of the event loop goes in one transaction,
// so one fsync covers them all. The worker's bookkeeping (claims, leases,
// acks) goes through a second connection with synchronous=NORMAL: no fsync
// of its own (the next record's or a checkpoint's covers it), since losing
// one to a power cut only runs an entry again, which at-least-once allows.
// Several processes may share the file (each transaction that changes a
// lease is BEGIN IMMEDIATE). The semantics every inbox backend keeps are in
// worker.js.

import { webhookError } from '../core/errors.js';
import { readInboxPolicy } from './worker.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL UNIQUE,
    order_key TEXT,
    received_at INTEGER NOT NULL,
    webhook_id TEXT,
    signature TEXT NOT NULL,
    body BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    done_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS entries_due ON entries (state, next_attempt_at);
  CREATE INDEX IF NOT EXISTS entries_order ON entries (order_key, id) WHERE state = 'pending';
  CREATE INDEX IF NOT EXISTS entries_done ON entries (done_at) WHERE state = 'done';
`;

// Claimable: pending, due, not leased, and the oldest pending entry of its
// issue (a later one waits, even while an earlier one backs off).
const CLAIMABLE = `
  SELECT id FROM entries AS e
  WHERE state = 'pending' AND next_attempt_at <= :now AND lease_until <= :now
    AND (order_key IS NULL OR NOT EXISTS (
      SELECT 1 FROM entries AS p WHERE p.order_key = e.order_key AND p.state = 'pending' AND p.id < e.id))
  ORDER BY id LIMIT :limit`;

// The schema's version, in the file's PRAGMA user_version.
const SCHEMA_VERSION = 1;
// How long a write waits for another process's transaction.
const BUSY_TIMEOUT_MS = 5000;
// How much of a handler's error an entry keeps.
const KEPT_ERROR_CHARS = 1000;
// How often done entries older than keepDoneMs are deleted (at a claim).
const PRUNE_EVERY_MS = 60_000;

export class SqliteInbox {
  /** The connection that records (synchronous=FULL), and the worker's (synchronous=NORMAL). */
  #records;
  #work;
  #statements;
  #batch = [];
  #prunedAt = 0;
  #workers = new Set();

  /**
   * @param {string} path the database file (created when missing)
   * @param {object} [policy] how its entries are retried (worker.js): maxAttempts,
   *   retryBaseMs, retryMaxMs, leaseMs, concurrency, pollMs
   */
  constructor(path, policy) {
    if (typeof path !== 'string' || path === '') {
      throw webhookError('invalid_options', 'SqliteInbox needs the path of its database file');
    }
    /** The retry policy its workers follow. */
    this.policy = readInboxPolicy(policy);
    const { DatabaseSync } = sqliteModule();
    const open = (synchronous) => {
      const db = new DatabaseSync(path);
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous};`);
      return db;
    };
    this.#records = open('FULL');
    migrate(this.#records);
    this.#work = open('NORMAL');
    const prepare = (sql) => this.#work.prepare(sql);
    this.#statements = {
      insert: this.#records.prepare(`INSERT INTO entries (dedupe_key, order_key, received_at, webhook_id, signature, body, next_attempt_at)
        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`),
      idOf: this.#records.prepare('SELECT id FROM entries WHERE dedupe_key = ?'),
      claimable: prepare(CLAIMABLE),
      lease: prepare(`UPDATE entries SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?
        RETURNING id, attempts, received_at, webhook_id, signature, body, order_key`),
      renew: prepare("UPDATE entries SET lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'pending'"),
      ack: prepare("UPDATE entries SET state = 'done', lease_owner = NULL, lease_until = 0, last_error = NULL, done_at = ? WHERE id = ? AND lease_owner = ?"),
      prune: prepare("DELETE FROM entries WHERE state = 'done' AND done_at < ?"),
      retryLater: prepare(`UPDATE entries SET next_attempt_at = ?, lease_owner = NULL, lease_until = 0, last_error = ?
        WHERE id = ? AND lease_owner = ? AND state = 'pending'`),
      bury: prepare(`UPDATE entries SET state = 'dead', lease_owner = NULL, lease_until = 0, last_error = ?
        WHERE id = ? AND lease_owner = ? AND state = 'pending'`),
      counts: prepare('SELECT state, count(*) AS n FROM entries GROUP BY state'),
      leased: prepare("SELECT count(*) AS n FROM entries WHERE state = 'pending' AND lease_until > ?"),
      list: prepare(`SELECT id, state, attempts, received_at, webhook_id, order_key, length(body) AS size, last_error, next_attempt_at
        FROM entries WHERE (:state IS NULL OR state = :state) ORDER BY id DESC LIMIT :limit`),
      retryOne: prepare("UPDATE entries SET state = 'pending', attempts = 0, next_attempt_at = ?, lease_until = 0 WHERE id = ? AND state = 'dead'"),
      retryDead: prepare("UPDATE entries SET state = 'pending', attempts = 0, next_attempt_at = ?, lease_until = 0 WHERE state = 'dead'"),
      purgeDead: prepare("DELETE FROM entries WHERE state = 'dead'"),
    };
  }

  /**
   * Records a verified delivery: `{ body, signature, webhookId, receivedAt,
   * dedupeKey, orderKey }`. Resolves to `{ id, duplicate }` once it is
   * durable (a repeat of a recorded delivery is the same entry).
   */
  record(delivery) {
    return new Promise((resolve, reject) => {
      if (this.#batch.length === 0) setImmediate(() => this.#commitBatch());
      this.#batch.push({ delivery, resolve, reject });
    });
  }

  /** One transaction, so one fsync, for every record asked for in this turn. */
  #commitBatch() {
    const batch = this.#batch;
    this.#batch = [];
    const results = [];
    try {
      this.#transaction(this.#records, () => {
        for (const { delivery: d } of batch) {
          const inserted = this.#statements.insert.get(d.dedupeKey, d.orderKey ?? null, d.receivedAt, d.webhookId ?? null, d.signature, d.body, d.receivedAt);
          results.push(inserted !== undefined ? { id: inserted.id, duplicate: false } : { id: this.#statements.idOf.get(d.dedupeKey).id, duplicate: true });
        }
      });
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve }, i) => resolve(results[i]));
  }

  /** Leases up to `limit` due entries to `worker` until `leaseUntil`; each with its attempt number (1 for the first). */
  async claim(worker, limit, now, leaseUntil) {
    if (now - this.#prunedAt >= PRUNE_EVERY_MS) {
      this.#prunedAt = now;
      this.#statements.prune.run(now - this.policy.keepDoneMs);
    }
    return this.#transaction(this.#work, () =>
      this.#statements.claimable.all({ now, limit }).map(({ id }) => {
        const row = this.#statements.lease.get(worker, leaseUntil, id);
        return {
          id: row.id,
          attempt: row.attempts,
          receivedAt: row.received_at,
          webhookId: row.webhook_id ?? undefined,
          signature: row.signature,
          body: row.body,
          orderKey: row.order_key ?? undefined,
        };
      }),
    );
  }

  /** Extends `worker`'s lease; false when it lost it (expired and taken, or ended). */
  async renew(id, worker, leaseUntil) {
    return this.#statements.renew.run(leaseUntil, id, worker).changes === 1;
  }

  async ack(id, worker) {
    this.#statements.ack.run(Date.now(), id, worker);
  }

  /** The attempt failed: tried again at `nextAttemptAt`, or, with `dead`, never again. */
  async fail(id, worker, { error, nextAttemptAt, dead }) {
    const text = String(error?.stack ?? error).slice(0, KEPT_ERROR_CHARS);
    if (dead) this.#statements.bury.run(text, id, worker);
    else this.#statements.retryLater.run(nextAttemptAt, text, id, worker);
  }

  /** `{ pending, leased, done, dead }`: how many entries are in each state (leased ones are pending too). */
  async counts(now = Date.now()) {
    const counts = { pending: 0, leased: 0, done: 0, dead: 0 };
    for (const { state, n } of this.#statements.counts.all()) counts[state] = n;
    counts.leased = this.#statements.leased.get(now).n;
    return counts;
  }

  /** The newest entries (of one state, when given), without their bodies. */
  async list({ state, limit = 50 } = {}) {
    return this.#statements.list.all({ state: state ?? null, limit }).map((row) => ({
      id: row.id,
      state: row.state,
      attempts: row.attempts,
      receivedAt: row.received_at,
      webhookId: row.webhook_id ?? undefined,
      issueId: row.order_key ?? undefined,
      size: row.size,
      lastError: row.last_error ?? undefined,
      nextAttemptAt: row.state === 'pending' ? row.next_attempt_at : undefined,
    }));
  }

  /** Makes a dead entry (or, with `'dead'`, every dead entry) pending again, from attempt 1; resolves to how many. */
  async retry(idOrDead) {
    const now = Date.now();
    const result = idOrDead === 'dead' ? this.#statements.retryDead.run(now) : this.#statements.retryOne.run(now, idOrDead);
    for (const worker of this.#workers) worker.kick();
    return Number(result.changes);
  }

  /** Deletes every dead entry; resolves to how many. */
  async purgeDead() {
    return Number(this.#statements.purgeDead.run().changes);
  }

  /** For worker.js: a worker started on this inbox, stopped by close(). */
  attach(worker) {
    this.#workers.add(worker);
  }

  /** Stops its workers (their running handlers finish) and closes the file. */
  async close() {
    await Promise.all([...this.#workers].map((worker) => worker.stop()));
    if (this.#batch.length > 0) this.#commitBatch();
    this.#work?.close();
    this.#records?.close();
    this.#work = undefined;
    this.#records = undefined;
  }

  #transaction(db, work) {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // Already rolled back by SQLite (a failed COMMIT): the error below says why.
      }
      throw error;
    }
  }

  get [Symbol.toStringTag]() {
    return 'SqliteInbox';
  }
}

/**
 * Creates the schema in a new file, or checks that an existing one has
 * this version's (PRAGMA user_version): a file another version wrote is
 * refused by name, never half read.
 */
function migrate(db) {
  db.exec('BEGIN IMMEDIATE');
  try {
    const { user_version: version } = db.prepare('PRAGMA user_version').get();
    const hasEntries = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entries'").get() !== undefined;
    if (!hasEntries) {
      db.exec(SCHEMA);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    } else if (version !== SCHEMA_VERSION) {
      throw webhookError('invalid_options', `this inbox file has schema version ${version}; this version of promptfoo-webhooks reads version ${SCHEMA_VERSION}`);
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    db.close();
    throw error;
  }
}

/** node:sqlite, or an error naming what to do instead. */
function sqliteModule() {
  try {
    const sqlite = globalThis.process?.getBuiltinModule?.('node:sqlite');
    if (typeof sqlite?.DatabaseSync === 'function') return sqlite;
  } catch {
    // Not in this runtime: said below.
  }
  throw webhookError(
    'invalid_options',
    `SqliteInbox needs node:sqlite, which Node ${globalThis.process?.versions?.node ?? '(not Node)'} does not offer without a flag: ` +
      'run on Node 22.13 or later, or give the adapters another inbox (or none)',
  );
}
