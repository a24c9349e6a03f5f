// Runs handlers from an inbox: what every backend promises, and the one
// loop that keeps it.
//
// The semantics (the same on every backend, and for a Rust version):
//   - record: a verified delivery (raw body, signature, webhook id, received
//     time, dedupe key = the 32 bytes the signature decodes to, order key =
//     data.issue.id) is durable before the receiver answers 200; a repeat of
//     a recorded delivery is the same entry;
//   - claim: a worker leases due entries for leaseMs, and renews the lease
//     while its handler runs; an entry whose worker died is claimed again
//     once its lease expires (at-least-once: a handler may run again for an
//     attempt that had done its work, so side effects key on the entry id);
//   - order: entries with the same issue id are handed out in the order
//     received, one at a time: a later one waits while an earlier one is
//     pending (running or backing off), and goes once it is done or dead;
//   - ack when every handler succeeded; otherwise fail: tried again after
//     retryBaseMs * 2^(attempt-1), capped at retryMaxMs, with jitter (a
//     random delay between half and all of it), until maxAttempts; then
//     the entry is dead: onDead and the logger hear of it, and
//     `inbox retry` can make it pending again.

import { invalidArgType, webhookError } from '../core/errors.js';

const DEFAULTS = {
  concurrency: 8,
  leaseMs: 30_000,
  maxAttempts: 8,
  retryBaseMs: 1000,
  retryMaxMs: 15 * 60 * 1000,
  // How often a worker looks for due entries when nothing wakes it.
  pollMs: 500,
  // How long a done entry is kept: a repeat within it is still the same
  // entry (as long as the dedupe option's default TTL); then it is deleted.
  keepDoneMs: 24 * 60 * 60 * 1000,
};
export const INBOX_POLICY_NAMES = Object.keys(DEFAULTS);

/** The policy options checked whole, with the defaults for those not given. */
export function readInboxPolicy(policy = {}) {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw invalidArgType('inbox policy', 'an object', policy);
  const read = { ...DEFAULTS };
  for (const [name, value] of Object.entries(policy)) {
    if (!(name in DEFAULTS)) throw webhookError('invalid_options', `unknown inbox option '${name}' (known: ${INBOX_POLICY_NAMES.join(', ')})`);
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) throw webhookError('invalid_options', `${name} must be a whole number of at least 1`);
    read[name] = value;
  }
  return read;
}

/** The delay before attempt `attempt + 1`: jittered over the upper half of its exponential ceiling. */
export function retryDelay(attempt, { retryBaseMs, retryMaxMs }, random = Math.random) {
  const ceiling = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

let workerCount = 0;

/**
 * Starts a worker on `inbox`: it claims due entries and runs
 * `handle(entry)` for each (`entry`: `{ id, attempt, receivedAt,
 * webhookId, signature, body }`), acking when it resolves and failing
 * when it rejects, as the semantics above say. `onDead(entry, error)` and
 * `logger` hear of dead entries. Its timers do not keep a process alive.
 * Returns `{ kick(), stop() }`: kick() looks for work now (after a
 * record), stop() stops claiming and waits for the running handlers.
 */
export function startInboxWorker(inbox, handle, { onDead, logger = globalThis.console } = {}) {
  const loop = new ClaimLoop(inbox, handle, { onDead, logger });
  const worker = {
    kick() {
      loop.kick();
    },
    stop() {
      return loop.stop();
    },
  };
  inbox.attach?.(worker);
  loop.kick();
  return worker;
}

/** One worker's loop: claims due entries, runs each under a renewed lease, and settles it. */
class ClaimLoop {
  #inbox;
  #handle;
  #onDead;
  #logger;
  #policy;
  #name = `${globalThis.process?.pid ?? 'worker'}-${++workerCount}-${Math.random().toString(36).slice(2, 10)}`;
  #running = new Set();
  #stopped = false;
  #looking = false;
  #again = false;
  #timer;

  constructor(inbox, handle, { onDead, logger }) {
    this.#inbox = inbox;
    this.#handle = handle;
    this.#onDead = onDead;
    this.#logger = logger;
    this.#policy = inbox.policy;
  }

  /** Looks for work now (after a record). */
  kick() {
    if (!this.#stopped) queueMicrotask(() => this.#look());
  }

  /** Stops claiming and waits for the running handlers. */
  async stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#running]);
  }

  #wake() {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#look(), this.#policy.pollMs);
    this.#timer.unref?.();
  }

  /** Claims what it has room for; a kick while it looks makes it look once more. */
  async #look() {
    if (this.#stopped) return;
    if (this.#looking) {
      this.#again = true;
      return;
    }
    this.#looking = true;
    const { concurrency, leaseMs } = this.#policy;
    try {
      do {
        this.#again = false;
        const room = concurrency - this.#running.size;
        if (room <= 0) break;
        const now = Date.now();
        const entries = await this.#inbox.claim(this.#name, room, now, now + leaseMs);
        // Stopped while claiming: the leases lapse, and the entries go to the next worker.
        if (this.#stopped) break;
        for (const entry of entries) this.#run(entry);
        if (entries.length === room) this.#again = true; // there may be more
      } while (this.#again && !this.#stopped);
    } catch (error) {
      // The store is down: said once per look, and looked at again on the next tick.
      if (this.#logger) this.#logger.error('[promptfoo-webhooks] inbox: claiming failed', error);
    } finally {
      this.#looking = false;
      if (!this.#stopped) this.#wake();
    }
  }

  #run(entry) {
    const { leaseMs } = this.#policy;
    const renewal = setInterval(() => {
      this.#inbox.renew(entry.id, this.#name, Date.now() + leaseMs).catch(() => {});
    }, Math.max(1, Math.floor(leaseMs / 3)));
    renewal.unref?.();
    const handle = this.#handle;
    const done = (async () => {
      try {
        await handle(entry);
        await this.#inbox.ack(entry.id, this.#name);
      } catch (error) {
        await this.#settleFailure(entry, error);
      } finally {
        clearInterval(renewal);
        this.#running.delete(done);
        if (!this.#stopped) queueMicrotask(() => this.#look());
      }
    })();
    this.#running.add(done);
  }

  async #settleFailure(entry, error) {
    const logger = this.#logger;
    const dead = entry.attempt >= this.#policy.maxAttempts;
    try {
      await this.#inbox.fail(entry.id, this.#name, { error, dead, nextAttemptAt: Date.now() + retryDelay(entry.attempt, this.#policy) });
    } catch (failed) {
      // Not recorded: the lease expires and the entry is claimed again.
      if (logger) logger.error('[promptfoo-webhooks] inbox: recording a failed attempt failed', failed);
      return;
    }
    if (!dead) return;
    if (logger) logger.error(`[promptfoo-webhooks] inbox: entry ${entry.id} is dead after ${entry.attempt} attempts`, error);
    const onDead = this.#onDead;
    try {
      await onDead?.(entry, error);
    } catch (thrown) {
      if (logger) logger.error('[promptfoo-webhooks] inbox: onDead threw', thrown);
    }
  }
}
