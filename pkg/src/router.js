// The `Webhooks` router: verify a delivery once, then hand the typed event to
// every handler that asked for it.
//
//   const webhooks = new Webhooks({ secret, toleranceSeconds: 300 });
//   webhooks.on('issue.created', (event) => ...);
//   webhooks.on(['issue.updated', 'issue.status_changed'], handler, { change: /status changed to fixed/ });
//   webhooks.on('issue.created', page, { severity: ['critical', 'high'] });
//   webhooks.onAny((event) => ...);          // every event, unknown names included
//   webhooks.onUnknown((event) => ...);      // names this version does not know (added later by Promptfoo)
//   webhooks.off('issue.created', page);     // removes a handler
//   webhooks.onError((error) => ...);        // a WebhookHandlerError: error.errors, error.event
//   await webhooks.verifyAndReceive({ body, signature });
//
// Verification is the core's (through a `Receiver`, as in `Webhook`); this
// file only chooses handlers and collects their failures.

import { invalidArgType, webhookError } from './core/errors.js';
import { EVENT_NAMES, SEVERITIES } from './generated/contract.js';
import { readOptions } from './verify/options.js';
import { Receiver } from './verify/receiver.js';

const FILTER_KEYS = ['severity', 'change'];

/** One or more handlers failed for an event that was verified and accepted. */
export class WebhookHandlerError extends AggregateError {
  static name = 'WebhookHandlerError'; // as WebhookVerificationError's (core/errors.js)

  /**
   * @param {unknown[]} errors what each failing handler threw, in registration order
   * @param {object} event the event they were handling
   */
  constructor(errors, event) {
    const first = errors[0];
    const firstText = first instanceof Error ? first.message : String(first);
    const count = errors.length === 1 ? '1 handler' : `${errors.length} handlers`;
    super(errors, `${count} failed for ${event.event}: ${firstText}`);
    this.name = 'WebhookHandlerError';
    this.event = event;
  }
}

// The router behind each Webhooks, for the layers above that take a router
// from the caller (the HTTP flow, the inbox consumers): they drive it
// through routerOf(). Kept out of the public class, where any member would
// be public, and out of a static block, which bundlers keep in apps that
// never route.
const routers = new WeakMap();

export class Webhooks {
  #router;

  /**
   * @param {object} options `secret` (a string, bytes, an array of them during a
   *   rotation, or a function `(env) => secret`), plus the options of `Webhook`
   *   (toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe)
   */
  constructor(options) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw invalidArgType('options', 'an object with a secret', options);
    }
    const { secret, ...verifyOptions } = options;
    this.#router = new Router(secret, verifyOptions);
    routers.set(this, this.#router);
  }

  // ------------------------------------------------------------ registering

  /**
   * Calls `handler(event)` for events named `name` (or any of `names`) that
   * pass `filter`: `severity` (one or several; matches data.issue.severity)
   * and `change` (a string equal to, or a RegExp found in, one of
   * data.eventData.changes). Both given: both must match. A name or a
   * severity this version does not know is refused (a typo would never
   * match): events added later reach onUnknown and onAny.
   */
  on(names, handler, filter) {
    const list = Array.isArray(names) ? names : [names];
    if (list.length === 0 || !list.every((name) => typeof name === 'string' && name !== '')) {
      throw invalidArgType('name', 'an event name or a non-empty array of them', names);
    }
    const unknown = list.find((name) => !EVENT_NAMES.includes(name));
    if (unknown !== undefined) {
      throw webhookError(
        'invalid_options',
        `unknown event name '${unknown}' (known: ${EVENT_NAMES.join(', ')}); for events added later, use onUnknown()`,
      );
    }
    this.#router.add({ names: list, handler: checkedHandler(handler), ...readFilter(filter) });
    return this;
  }

  /** Calls `handler(event)` for every event, including names this version does not know. */
  onAny(handler) {
    this.#router.add({ handler: checkedHandler(handler) });
    return this;
  }

  /**
   * Calls `handler(event)` for events whose name this version does not know:
   * Promptfoo adds events over time, and they still verify. `event.event` is
   * the name as sent, `event.data` its raw data.
   */
  onUnknown(handler) {
    this.#router.add({ handler: checkedHandler(handler), unknownOnly: true });
    return this;
  }

  /**
   * Removes `handler` from the names given (one, or an array); `'*'` removes
   * it where onAny or onUnknown registered it. Other handlers stay.
   */
  off(names, handler) {
    this.#router.remove(Array.isArray(names) ? names : [names], handler);
    return this;
  }

  /** The same as off(): Node's EventEmitter name. */
  removeListener(names, handler) {
    return this.off(names, handler);
  }

  /** Calls `handler(error)` with a WebhookHandlerError when handlers fail. */
  onError(handler) {
    this.#router.addErrorHandler(checkedHandler(handler));
    return this;
  }

  // ------------------------------------------------------------ verifying

  /**
   * The verified event (no dispatch, no de-duplication: see
   * verifyAndReceive); throws WebhookVerificationError. `env` feeds a
   * secret function; `webhookId` (the X-Webhook-Id header) picks the
   * secrets with the webhookSecrets option.
   */
  verify(body, signature, env, webhookId) {
    return this.#router.receiverFor(env).verify(body, signature, webhookId);
  }

  /** Verifies a Fetch API Request with a bounded read (no dispatch); with `dedupe`, a repeat is refused. */
  async verifyRequest(request, env) {
    return this.#router.receiverFor(env).verifyRequest(request);
  }

  /**
   * Verifies a delivery (with `dedupe`, a repeat fails with
   * duplicate_delivery), then runs the matching handlers and waits for them.
   * A verification failure throws WebhookVerificationError and runs no
   * handler; handler failures throw a WebhookHandlerError (after onError).
   * @returns {Promise<object>} the verified event
   */
  async verifyAndReceive(delivery) {
    if (typeof delivery !== 'object' || delivery === null) {
      throw invalidArgType('delivery', 'an object { body, signature }', delivery);
    }
    const receiver = this.#router.receiverFor(delivery.env);
    const event = await receiver.accept({ body: delivery.body, signature: delivery.signature, webhookId: delivery.webhookId });
    await this.receive(event);
    return event;
  }

  // ------------------------------------------------------------ dispatching

  /**
   * Runs the handlers matching an already verified event, all started in
   * registration order and awaited together. If any fails, every onError
   * handler gets one WebhookHandlerError, which is then thrown.
   */
  async receive(event) {
    if (typeof event !== 'object' || event === null || typeof event.event !== 'string') {
      throw invalidArgType('event', 'a webhook event { event, timestamp, data }', event);
    }
    await this.#router.dispatch(event);
  }

  get [Symbol.toStringTag]() {
    return 'Webhooks';
  }
}

/** The Router behind a Webhooks (for the HTTP flow and the inbox consumers). */
export function routerOf(webhooks) {
  return routers.get(webhooks);
}

/**
 * A router's working parts: its handlers, its onError handlers, and the
 * Receiver that verifies its deliveries (made on first use from a secret
 * function, once per Worker isolate). Webhooks checks what callers give
 * it; the HTTP flow and the inbox consumers call the rest directly.
 */
export class Router {
  /** A Receiver, or undefined until a secret function has been resolved. */
  #receiver;
  /** `(env) => secret`, evaluated on first use. */
  #secretFn;
  #verifyOptions;
  #handlers = [];
  #errorHandlers = [];

  constructor(secret, verifyOptions) {
    this.#verifyOptions = verifyOptions;
    if (typeof secret === 'function') {
      // The secret is read on first use; the options are checked now, at start-up.
      readOptions(verifyOptions, { asynchronous: true });
      this.#secretFn = secret;
    } else {
      // A static secret (and every option) is checked now, at start-up.
      this.#receiver = new Receiver(secret, verifyOptions);
    }
  }

  add(entry) {
    this.#handlers.push(entry);
  }

  /** Removes `handler` from `names`; `'*'` removes it where it has no names (onAny, onUnknown). */
  remove(names, handler) {
    const kept = [];
    for (const entry of this.#handlers) {
      if (entry.handler !== handler) kept.push(entry);
      else if (entry.names === undefined) {
        if (!names.includes('*')) kept.push(entry);
      } else {
        const left = entry.names.filter((name) => !names.includes(name));
        if (left.length > 0) kept.push({ ...entry, names: left });
      }
    }
    this.#handlers = kept;
  }

  addErrorHandler(handler) {
    this.#errorHandlers.push(handler);
  }

  /** Whether anyone hears handler errors here (an error nobody hears is logged instead). */
  get hasErrorHandlers() {
    return this.#errorHandlers.length > 0;
  }

  /** The Receiver for `env`: a secret function that throws throws here, and is asked again next time. */
  receiverFor(env) {
    if (this.#receiver === undefined) {
      // A webhookSecrets function gets the env too: (webhookId, env) => secrets.
      const { webhookSecrets } = this.#verifyOptions;
      const options =
        typeof webhookSecrets === 'function' ? { ...this.#verifyOptions, webhookSecrets: (id) => webhookSecrets(id, env) } : this.#verifyOptions;
      this.#receiver = new Receiver(this.#secretFn(env), options);
    }
    return this.#receiver;
  }

  /**
   * Starts the handlers matching a verified event: undefined when none
   * does (the HTTP flow then answers at once), else a promise of them all,
   * rejected with a WebhookHandlerError (after every onError handler) when
   * any fails. `context`, from an inbox, is each handler's second argument:
   * `{ attempt, entryId, receivedAt, webhookId }`.
   */
  dispatch(event, context) {
    if (this.#handlers.length === 0) return undefined; // nothing to filter: no garbage per delivery
    const running = this.#handlers
      .filter((entry) => matches(entry, event))
      .map((entry) => new Promise((resolve) => resolve(entry.handler(event, context))));
    return running.length === 0 ? undefined : this.#settle(running, event);
  }

  async #settle(running, event) {
    const failures = (await Promise.allSettled(running)).filter((r) => r.status === 'rejected');
    if (failures.length === 0) return;

    const error = new WebhookHandlerError(
      failures.map((r) => r.reason),
      event,
    );
    for (const onError of this.#errorHandlers) {
      try {
        await onError(error);
      } catch {
        // An error handler that fails has nobody left to tell; the error is thrown below anyway.
      }
    }
    throw error;
  }
}

function checkedHandler(handler) {
  if (typeof handler !== 'function') throw invalidArgType('handler', 'a function', handler);
  return handler;
}

// ---------------------------------------------------------------- filters

function readFilter(filter) {
  if (filter === undefined) return {};
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw invalidArgType('filter', 'an object { severity?, change? }', filter);
  }
  for (const key of Object.keys(filter)) {
    if (!FILTER_KEYS.includes(key)) {
      throw webhookError('invalid_options', `unknown filter '${key}' (known: ${FILTER_KEYS.join(', ')})`);
    }
  }
  const result = {};
  if (filter.severity !== undefined) {
    result.severities = Array.isArray(filter.severity) ? filter.severity : [filter.severity];
    if (!result.severities.every((s) => typeof s === 'string')) {
      throw invalidArgType('filter.severity', 'a severity or an array of them', filter.severity);
    }
    const unknown = result.severities.find((severity) => !SEVERITIES.includes(severity));
    if (unknown !== undefined) {
      throw webhookError('invalid_options', `unknown severity '${unknown}' (known: ${SEVERITIES.join(', ')})`);
    }
  }
  if (filter.change !== undefined) {
    result.changes = Array.isArray(filter.change) ? filter.change : [filter.change];
    if (!result.changes.every((c) => typeof c === 'string' || c instanceof RegExp)) {
      throw invalidArgType('filter.change', 'a string, a RegExp or an array of them', filter.change);
    }
  }
  return result;
}

function matches(entry, event) {
  if (entry.names && !entry.names.includes(event.event)) return false;
  if (entry.unknownOnly && EVENT_NAMES.includes(event.event)) return false;
  if (entry.severities && !entry.severities.includes(event.data?.issue?.severity)) return false;
  if (entry.changes) {
    const changes = event.data?.eventData?.changes;
    if (!Array.isArray(changes)) return false;
    // String#search ignores a RegExp's `g` flag and lastIndex, so one pattern can be reused safely.
    const hit = (change) =>
      typeof change === 'string' &&
      entry.changes.some((pattern) => (typeof pattern === 'string' ? change === pattern : change.search(pattern) >= 0));
    if (!changes.some(hit)) return false;
  }
  return true;
}
