// What a worker does with one inbox entry, wherever the entry comes from
// (a SQLite or Redis claim, a Cloudflare Queues message): the typed event
// from the recorded bytes, the handlers with `{ attempt, entryId,
// receivedAt, webhookId }`, then the forward when there is a target. It
// rejects when any of them fails, so the entry is tried again.

import { invalidArgType, webhookError } from '../core/errors.js';
import { SIGNATURE_HEADER_LOWER, WEBHOOK_ID_HEADER } from '../generated/contract.js';
import { forward, forwardTarget } from '../send/forward.js';
import { routerOf, Webhooks, WebhookHandlerError } from '../router.js';
import { ownOptions } from '../verify/options.js';
import { parseEvent } from '../verify/verify.js';
import { startInboxWorker } from './worker.js';

// What every consumer of entries takes (readConsumerOptions).
const CONSUMER_OPTIONS = ['webhooks', 'onEvent', 'forwardTo', 'onDead', 'onError', 'logger'];
// What a pull inbox (one a worker claims from) offers; a push inbox (Cloudflare Queues) has only record.
export const PULL_INBOX_METHODS = ['record', 'claim', 'renew', 'ack', 'fail'];

/**
 * `run(entry)` for one attempt at an entry: `router` (a Webhooks' Router)
 * or `onEvent` handles it, then it goes to `target` (an http(s) href) when
 * given. `report(error, event)` hears of a handler's failure.
 */
export function entryRunner({ router, onEvent, target, report }) {
  return async function run(entry) {
    const event = parseEvent(entry.body);
    const context = { attempt: entry.attempt, entryId: entry.id, receivedAt: entry.receivedAt, webhookId: entry.webhookId };
    try {
      if (router !== undefined) await router.dispatch(event, context);
      else if (onEvent !== undefined) await onEvent(event, context);
    } catch (error) {
      report(error, event);
      throw error;
    }
    if (target === undefined) return;
    const headers = [['content-type', 'application/json'], [SIGNATURE_HEADER_LOWER, entry.signature]];
    if (entry.webhookId !== undefined) headers.push([WEBHOOK_ID_HEADER.toLowerCase(), entry.webhookId]);
    const result = await forward(target, headers, entry.body);
    if (result.failure !== undefined) throw new Error(result.failure);
    if (result.status < 200 || result.status > 299) throw new Error(`${target} answered ${result.status}`);
  };
}

/**
 * `report(error, event)` as the adapters have it: `onError` when given; a
 * handler error the router's own onError handlers heard is not told twice;
 * anything else to the logger (console by default, `false`: nothing).
 */
export function reporter({ onError, logger, router }) {
  return function report(error, event) {
    if (onError) {
      Promise.resolve()
        .then(() => onError(error, event))
        .catch(() => {});
      return;
    }
    if (error instanceof WebhookHandlerError && router?.hasErrorHandlers) return;
    if (logger !== false) logger.error('[promptfoo-webhooks]', error);
  };
}

/** Throws unless `inbox` is an inbox: a pull one (a worker claims from it) or a push one (record only). */
export function checkInbox(inbox, name = 'options.inbox') {
  const ok =
    typeof inbox === 'object' &&
    inbox !== null &&
    typeof inbox.record === 'function' &&
    (typeof inbox.claim !== 'function' || PULL_INBOX_METHODS.every((m) => typeof inbox[m] === 'function'));
  if (!ok) throw invalidArgType(name, `an inbox (new SqliteInbox(path), or an object with ${PULL_INBOX_METHODS.join(', ')})`, inbox);
}

/** Whether a worker claims from `inbox` (SQLite, Redis), rather than the runtime pushing its entries (Queues). */
export const isPullInbox = (inbox) => typeof inbox.claim === 'function';

/**
 * A worker process's loop: runs the handlers for the entries of `inbox`
 * that any receiver recorded, with its retry policy, until stop().
 *
 *   const worker = createInboxWorker({ inbox: new SqliteInbox(path), webhooks });
 *   process.on('SIGTERM', () => worker.stop().then(() => inbox.close()));
 *
 * Options: `inbox` (required: one a worker claims from), `webhooks` (a
 * router) or `onEvent(event, context)`, `forwardTo`, `onDead(entry,
 * error)`, `onError(error, event)`, `logger`.
 */
export function createInboxWorker(options) {
  const { inbox, router, onEvent, target, report, onDead, logger } = readConsumerOptions(options, ['inbox']);
  checkInbox(inbox);
  if (!isPullInbox(inbox)) throw webhookError('invalid_options', 'this inbox pushes its entries (Cloudflare Queues): consume them with createQueueConsumer');
  return startInboxWorker(inbox, entryRunner({ router, onEvent, target, report }), { onDead, logger });
}

/**
 * The options every consumer of entries takes (createInboxWorker,
 * createQueueConsumer), read as own properties and checked: the handlers
 * (`webhooks`, a router, or `onEvent`), `forwardTo`, `onDead`, `onError`
 * and `logger`; `others` names the caller's own options, returned as given.
 * Adds `router` (the Router of `webhooks`), `target` (forwardTo's href) and `report`.
 */
export function readConsumerOptions(options, others) {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalidArgType('options', 'an object', options);
  const given = ownOptions(options);
  const known = [...CONSUMER_OPTIONS, ...others];
  const unknown = Object.keys(given).find((key) => !known.includes(key));
  if (unknown !== undefined) throw webhookError('invalid_options', `unknown option '${unknown}' (known: ${known.join(', ')})`);
  const { webhooks, onEvent, forwardTo, onDead, onError, logger = globalThis.console } = given;
  if (webhooks !== undefined && !(webhooks instanceof Webhooks)) throw invalidArgType('options.webhooks', 'a Webhooks router', webhooks);
  if ((webhooks === undefined) === (onEvent === undefined)) throw webhookError('invalid_options', 'give the handlers as webhooks (a router) or onEvent, one of the two');
  for (const [name, value] of [['onEvent', onEvent], ['onDead', onDead], ['onError', onError]]) {
    if (value !== undefined && typeof value !== 'function') throw invalidArgType(`options.${name}`, 'a function', value);
  }
  if (logger !== false && typeof logger?.error !== 'function') {
    throw invalidArgType('options.logger', 'an object with an error() method (console), or false', logger);
  }
  const target = forwardTo === undefined ? undefined : forwardTarget(forwardTo, () => invalidArgType('options.forwardTo', 'an http(s) URL', forwardTo));
  const router = webhooks === undefined ? undefined : routerOf(webhooks);
  return { ...given, logger, router, target, report: reporter({ onError, logger, router }) };
}
