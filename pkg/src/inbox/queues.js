// The inbox on Cloudflare Queues, for Workers: the fetch handler sends each
// verified delivery to a queue and answers 200 once the send resolved (a
// send resolves once the queue has persisted the message); the runtime then
// pushes batches to the Worker's `queue()` handler, which runs the handlers.
//
//   const inbox = new CloudflareQueueInbox('PROMPTFOO_DELIVERIES');
//   export default {
//     fetch: createFetchHandler(webhooks, { inbox }),
//     queue: createQueueConsumer({ webhooks, deadLetterQueue: 'promptfoo-deliveries-dead', onDead }),
//   };
//
// What differs from the semantics in worker.js, because Queues decides it:
//   - the attempts: the consumer's `max_retries` (wrangler config) is the
//     limit, so maxAttempts = max_retries + 1; then Cloudflare moves the
//     message to the consumer's dead-letter queue (at least once, and
//     whatever ended the last attempt: a throw, a timeout, a crash), and
//     the consumer of that queue calls onDead, retrying it until it
//     returns. A dead message with no dead-letter queue is deleted unheard;
//   - the order: none. Queues may deliver in any order and runs batches
//     concurrently; only the messages about one issue within one batch run
//     one after another;
//   - a repeat: Queues does not de-duplicate, so a repeated delivery is a
//     second message. Its entry id is the same (it is derived from the
//     signature), so side effects keyed on the entry id apply once.

import { invalidArgType, webhookError } from '../core/errors.js';
import { entryRunner, readConsumerOptions } from './consumer.js';
import { readInboxPolicy, retryDelay } from './worker.js';

const DEFAULT_BINDING = 'PROMPTFOO_DELIVERIES';
// Queues takes a retry's delay in whole seconds, 12 hours at most.
const MAX_DELAY_SECONDS = 12 * 60 * 60;
const ENTRY_ID_PREFIX = 'promptfoo-webhooks-entry:';
const utf8 = new TextEncoder();

/** A push inbox: `record` sends each verified delivery to a Cloudflare Queue (the producer binding in `env`). */
export class CloudflareQueueInbox {
  #queueOf;
  #name;

  /**
   * @param {string | ((env: object) => unknown)} [binding] the producer
   *   binding's name in `env` (default 'PROMPTFOO_DELIVERIES'), or a
   *   function returning the binding from `env`
   */
  constructor(binding = DEFAULT_BINDING) {
    if (typeof binding === 'string' && binding !== '') {
      this.#queueOf = (env) => env?.[binding];
      this.#name = binding;
    } else if (typeof binding === 'function') {
      this.#queueOf = binding;
      this.#name = 'the binding the function returned';
    } else {
      throw invalidArgType('binding', "a Queue producer binding's name (e.g. 'PROMPTFOO_DELIVERIES') or a function (env) => env.X", binding);
    }
  }

  /** Resolves `{ id, duplicate: false }` once the queue has the delivery; rejects when it cannot take it. */
  async record(entry, env) {
    const queue = this.#queueOf(env);
    if (typeof queue?.send !== 'function') {
      // The Worker's configuration, not the delivery: a 503 inbox_unavailable, with this in onError.
      throw webhookError('invalid_options', `env has no Cloudflare Queue producer binding (${this.#name})`, {
        hint: 'Declare the queue\'s producer in wrangler.toml ([[queues.producers]] queue = "...", binding = "PROMPTFOO_DELIVERIES") and pass its binding name.',
      });
    }
    const { body, signature, webhookId, receivedAt, dedupeKey, orderKey } = entry;
    const id = await entryIdOf(dedupeKey);
    // v8 serialization keeps the body a Uint8Array.
    await queue.send({ id, body, signature, webhookId, receivedAt, dedupeKey, orderKey }, { contentType: 'v8' });
    return { id, duplicate: false };
  }
}

/**
 * The entry id of a delivery: the same for a repeat (one dedupe key), and
 * not the signature itself, which, with the body, would let anyone who
 * reads a log replay the delivery.
 */
async function entryIdOf(dedupeKey) {
  const digest = await crypto.subtle.digest('SHA-256', utf8.encode(ENTRY_ID_PREFIX + dedupeKey));
  return Array.from(new Uint8Array(digest, 0, 16), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The Worker's `queue(batch, env, ctx)` handler for deliveries a
 * CloudflareQueueInbox sent: each message runs the handlers (`webhooks` or
 * `onEvent`) and the forward, then is acked, or retried after the retry
 * policy's delay. Messages of `deadLetterQueue` (the consumer's
 * dead_letter_queue) go to `onDead(entry, error)` instead, retried until
 * it returns.
 */
export function createQueueConsumer(options) {
  const consumer = readQueueConsumerOptions(options);
  return async function queue(batch) {
    if (consumer.deadLetterQueue !== undefined && batch.queue === consumer.deadLetterQueue) {
      await Promise.all(batch.messages.map((message) => bury(consumer, message, batch.queue)));
      return;
    }
    // Messages about one issue, in the batch's order, one after another; the rest at once.
    const chains = new Map();
    const running = batch.messages.map((message) => {
      const key = message.body?.orderKey;
      if (typeof key !== 'string') return deliver(consumer, message);
      const chain = (chains.get(key) ?? Promise.resolve()).then(() => deliver(consumer, message));
      chains.set(key, chain);
      return chain;
    });
    await Promise.all(running);
  };
}

/**
 * createQueueConsumer's options, checked: those of every consumer of
 * entries, `deadLetterQueue` with `onDead`, and the retry delays (Queues
 * counts the attempts itself). Adds `log(...)` and `retryIn(message)`.
 */
function readQueueConsumerOptions(options) {
  if (Object.hasOwn(Object(options), 'maxAttempts')) {
    throw webhookError('invalid_options', "Cloudflare Queues counts the attempts: a message is tried max_retries + 1 times (the consumer's max_retries in wrangler.toml)");
  }
  const { router, onEvent, target, report, deadLetterQueue, onDead, logger, retryBaseMs, retryMaxMs } = readConsumerOptions(options, [
    'deadLetterQueue',
    'retryBaseMs',
    'retryMaxMs',
  ]);
  if (deadLetterQueue !== undefined && (typeof deadLetterQueue !== 'string' || deadLetterQueue === '')) {
    throw invalidArgType('options.deadLetterQueue', "the dead-letter queue's name", deadLetterQueue);
  }
  // onDead runs for the dead-letter queue's messages: one without the other would never be called, or would drop them.
  if ((onDead === undefined) !== (deadLetterQueue === undefined)) {
    throw webhookError('invalid_options', 'onDead and deadLetterQueue go together: onDead hears of the messages of the dead-letter queue named there');
  }
  const policy = readInboxPolicy({ retryBaseMs, retryMaxMs });
  const log = (...args) => {
    if (logger !== false) logger.error(...args);
  };
  const retryIn = (message) => message.retry({ delaySeconds: delaySecondsOf(retryDelay(message.attempts, policy)) });
  return { router, onEvent, target, report, deadLetterQueue, onDead, log, retryIn };
}

/** One attempt at one delivery: acked when it succeeded, else retried (the error told unless a handler's was). */
async function deliver({ router, onEvent, target, report, log, retryIn }, message) {
  let heard = false;
  const run = entryRunner({ router, onEvent, target, report: (error, event) => ((heard = true), report(error, event)) });
  let entry;
  try {
    entry = entryOf(message);
    await run(entry);
  } catch (error) {
    if (!heard) log(`[promptfoo-webhooks] queue: entry ${entry?.id ?? message.id} failed attempt ${message.attempts}`, error);
    retryIn(message);
    return;
  }
  message.ack();
}

/** A message of the dead-letter queue: onDead, retried until it returns. */
async function bury({ onDead, log, retryIn }, message, queueName) {
  let entry;
  try {
    entry = entryOf(message);
  } catch (error) {
    // Not a delivery this package sent: onDead could not read it.
    log(`[promptfoo-webhooks] queue: message ${message.id} of ${queueName} is not a delivery`, error);
    message.ack();
    return;
  }
  log(`[promptfoo-webhooks] queue: entry ${entry.id} is dead (in ${queueName})`);
  const error = new Error(`entry ${entry.id} failed every attempt its queue allows (max_retries); the failures were reported as they happened`);
  try {
    await onDead(entry, error);
  } catch (thrown) {
    log('[promptfoo-webhooks] queue: onDead threw; it is tried again', thrown);
    retryIn(message);
    return;
  }
  message.ack();
}

/** A retry delay for Queues: whole seconds, rounded up, 12 hours at most. */
function delaySecondsOf(ms) {
  return Math.min(MAX_DELAY_SECONDS, Math.ceil(ms / 1000));
}

/** The inbox entry a message carries (as CloudflareQueueInbox sent it), or throws. */
function entryOf(message) {
  const sent = message.body;
  if (typeof sent !== 'object' || sent === null || !(sent.body instanceof Uint8Array) || typeof sent.signature !== 'string' || typeof sent.id !== 'string') {
    throw webhookError('unsupported_body', 'a queue message CloudflareQueueInbox did not send', {
      hint: 'createQueueConsumer reads the messages CloudflareQueueInbox sends: give other messages a queue of their own.',
    });
  }
  const { id, body, signature, webhookId, receivedAt } = sent;
  return { id, attempt: message.attempts, receivedAt, webhookId, signature, body };
}
