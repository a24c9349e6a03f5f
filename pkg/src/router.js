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
// Verification is the core's (through `Webhook`); this file only chooses
// handlers and collects their failures.

import { invalidArgType, webhookError } from './core/errors.js';
import { EVENT_NAMES, SEVERITIES } from './generated/contract.js';
import { readOptions } from './verify/options.js';
import { acceptDelivery, verifyRequestWithHeaders, Webhook } from './verify/webhook.js';

const FILTER_KEYS = ['severity', 'change'];

/** One or more handlers failed for an event that was verified and accepted. */
export class WebhookHandlerError extends AggregateError {
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

// What the HTTP flow reads of a router (not exported from the package):
// its error handlers (an error nobody hears is logged instead) and its
// Webhook. A WeakMap filled by the constructor rather than a static block,
// which bundlers would keep as a side effect in apps that never route.
const internals = new WeakMap();

export class Webhooks {
  /** A Webhook, or undefined until a secret function has been resolved. */
  #webhook;
  /** `(env) => secret`, evaluated on first use (once per Worker isolate). */
  #secretFn;
  #verifyOptions;
  #handlers = [];
  #errorHandlers = [];

  /**
   * @param {object} options `secret` (a string, bytes, an array of them during a
   *   rotation, or a function `(env) => secret`), plus the options of `Webhook`
   *   (toleranceSeconds, maxBodyBytes, allowParsedBody, now, dedupe)
   */
  constructor(options) {
    internals.set(this, {
      errorHandlers: this.#errorHandlers,
      webhookFor: (env) => this.#webhookFor(env),
      dispatch: (event, context) => this.#dispatch(event, context),
    });
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw invalidArgType('options', 'an object with a secret', options);
    }
    const { secret, ...verifyOptions } = options;
    this.#verifyOptions = verifyOptions;
    if (typeof secret === 'function') {
      // The secret is read on first use; the options are checked now, at start-up.
      readOptions(verifyOptions, { asynchronous: true });
      this.#secretFn = secret;
    } else {
      // A static secret (and every option) is checked now, at start-up.
      this.#webhook = new Webhook(secret, verifyOptions);
    }
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
    if (typeof handler !== 'function') throw invalidArgType('handler', 'a function', handler);
    this.#handlers.push({ names: list, handler, ...readFilter(filter) });
    return this;
  }

  /** Calls `handler(event)` for every event, including names this version does not know. */
  onAny(handler) {
    if (typeof handler !== 'function') throw invalidArgType('handler', 'a function', handler);
    this.#handlers.push({ handler });
    return this;
  }

  /**
   * Calls `handler(event)` for events whose name this version does not know:
   * Promptfoo adds events over time, and they still verify. `event.event` is
   * the name as sent, `event.data` its raw data.
   */
  onUnknown(handler) {
    if (typeof handler !== 'function') throw invalidArgType('handler', 'a function', handler);
    this.#handlers.push({ handler, unknownOnly: true });
    return this;
  }

  /**
   * Removes `handler` from the names given (one, or an array); `'*'` removes
   * it where onAny or onUnknown registered it. Other handlers stay.
   */
  off(names, handler) {
    const list = Array.isArray(names) ? names : [names];
    const kept = [];
    for (const entry of this.#handlers) {
      if (entry.handler !== handler) kept.push(entry);
      else if (entry.names === undefined) {
        if (!list.includes('*')) kept.push(entry);
      } else {
        const names = entry.names.filter((name) => !list.includes(name));
        if (names.length > 0) kept.push({ ...entry, names });
      }
    }
    this.#handlers = kept;
    return this;
  }

  /** The same as off(): Node's EventEmitter name. */
  removeListener(names, handler) {
    return this.off(names, handler);
  }

  /** Calls `handler(error)` with a WebhookHandlerError when handlers fail. */
  onError(handler) {
    if (typeof handler !== 'function') throw invalidArgType('handler', 'a function', handler);
    this.#errorHandlers.push(handler);
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
    return this.#webhookFor(env).verify(body, signature, webhookId);
  }

  /** Verifies a Fetch API Request with a bounded read (no dispatch); with `dedupe`, a repeat is refused. */
  async verifyRequest(request, env) {
    return this.#webhookFor(env).verifyRequest(request);
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
    const event = await acceptDelivery(this.#webhookFor(delivery.env), delivery.body, delivery.signature, delivery.webhookId);
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
    await this.#dispatch(event);
  }

  /**
   * Starts the handlers matching `event`: undefined when none does (the
   * HTTP flow then answers without waiting a turn), else a promise of
   * them all, rejected as receive() documents.
   */
  #dispatch(event, context) {
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

  #webhookFor(env) {
    if (this.#webhook === undefined) {
      // Not cached when it throws: a fixed binding works on the next request.
      // A webhookSecrets function gets the env too: (webhookId, env) => secrets.
      const { webhookSecrets } = this.#verifyOptions;
      const options =
        typeof webhookSecrets === 'function' ? { ...this.#verifyOptions, webhookSecrets: (id) => webhookSecrets(id, env) } : this.#verifyOptions;
      this.#webhook = new Webhook(this.#secretFn(env), options);
    }
    return this.#webhook;
  }

  get [Symbol.toStringTag]() {
    return 'Webhooks';
  }
}

/** Whether the router has onError handlers (for the HTTP flow). */
export function hasErrorHandlers(webhooks) {
  return internals.get(webhooks).errorHandlers.length > 0;
}

/**
 * A delivery through the router's Webhook, as the HTTP flow takes it: a
 * body (with `dedupe`, a repeat is refused), or with `request` a Fetch API
 * Request-like read with the Webhook's bound (`headers`, when given, are
 * its headers, already read). No handler runs. A promise
 * of the event, not itself async (one turn fewer per delivery): a secret
 * function that throws throws here.
 */
export function acceptRequest(webhooks, { body, signature, webhookId, request, headers }, env) {
  const webhook = internals.get(webhooks).webhookFor(env);
  return request !== undefined ? verifyRequestWithHeaders(webhook, request, headers) : acceptDelivery(webhook, body, signature, webhookId);
}

/**
 * The router's handlers for a verified event, started: undefined when none
 * matches, else their promise (see receive). `context`, from an inbox, is
 * each handler's second argument: `{ attempt, entryId, receivedAt, webhookId }`.
 */
export function dispatch(webhooks, event, context) {
  return internals.get(webhooks).dispatch(event, context);
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
