// The one request flow behind every HTTP surface: the Node middleware, the
// fetch handler and the CLI's `serve` are thin I/O over it (as octokit's
// createMiddleware serves Node and web). Per request, in this order:
//
//   path given and not this one  -> 404 not_found (the Node middleware calls next() instead, when it has one)
//   not POST                     -> 405 method_not_allowed
//   Content-Type not JSON        -> 415 unsupported_media_type
//   the body: what a body parser left (bytes verify as they are; a parsed
//     object only with allowParsedBody), else a bounded read (a declared
//     length over maxBodyBytes is refused unread, a longer body cut off)
//   verify, then claim with dedupe -> the contract's status for the code (401, 413, 400, 409, ...)
//   verified, with an inbox      -> recorded durably, then 200 { received } (503 inbox_unavailable
//                                   when it cannot record); the handlers run from the inbox later
//   verified, without one        -> the router's handlers, then 200 { received: <event> } once they
//                                   finish or answerWithinMs has passed (they go on after it)
//                                   (with forwardTo: the bytes and headers sent on, and the target's answer)
//
// After a delivery is verified (and recorded, with an inbox) the answer is
// 200 whatever the handlers do: the delivery was authentic and accepted,
// and a 5xx would only make Promptfoo record a failed delivery that
// retrying cannot fix (it does not retry). With an inbox a failed handler
// is retried from the record (inbox/worker.js). Handler errors, and
// receiver set-up errors (5xx), go to `onError`; one nobody hears goes to
// the logger (console by default).

import { invalidArgType, webhookError, WebhookVerificationError } from '../core/errors.js';
import { deliveryKeyOf } from '../core/keyring.js';
import { HTTP_ERRORS, STATUS_BY_CODE } from '../generated/contract.js';
import { checkInbox, entryRunner, isPullInbox, reporter } from '../inbox/consumer.js';
import { startInboxWorker } from '../inbox/worker.js';
import { Router, routerOf, Webhooks } from '../router.js';
import { forward, forwardTarget } from '../send/forward.js';
import { deliveryOf, headerOf, headerPairs } from '../verify/delivery.js';
import { ownOptions, VERIFY_OPTION_NAMES } from '../verify/options.js';
import { recording } from './recording.js';

const ADAPTER_OPTIONS = ['path', 'onEvent', 'onError', 'onAnswer', 'logger', 'forwardTo', 'inbox', 'processInbox', 'onDead', 'answerWithinMs'];
// Without an inbox, how long the answer waits for the handlers (they go on
// after it): well under the 10 s Promptfoo waits, with the body's read.
export const DEFAULT_ANSWER_WITHIN_MS = 3000;
// Statuses whose answer has no body (a forward target may answer one).
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** `{ status, body, headers }` for a code the flow answers itself; `detail` follows its meaning. */
function answerWith(code, headers = {}, detail = '') {
  const { meaning } = HTTP_ERRORS[code];
  return { status: STATUS_BY_CODE[code], body: { error: code, message: detail === '' ? meaning : `${meaning}: ${detail}` }, headers };
}

/** The answer to a request the receiver failed on itself (500 internal_error). */
export const internalErrorAnswer = () => answerWith('internal_error');

/** What an adapter writes: `{ status, headers, text }` (JSON, or a forward target's own bytes and type). */
export function answerBody({ status, body, bytes, headers }) {
  if (bytes !== undefined) return { status, headers, text: NULL_BODY_STATUSES.has(status) ? null : bytes };
  // RFC 8259 defines no charset parameter for application/json: it is UTF-8. Response.json writes the same.
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, text: JSON.stringify(body) };
}

/** `{ status, body, headers }` for an error thrown while verifying. */
function rejection(error) {
  if (!(error instanceof WebhookVerificationError) || STATUS_BY_CODE[error.code] === undefined) {
    return answerWith('internal_error');
  }
  const body = { error: error.code, message: error.message };
  // The receiver's developer reads this one: say how to mount the route.
  if (error.code === 'parsed_body_mismatch') body.hint = error.hint;
  return { status: STATUS_BY_CODE[error.code], body, headers: {} };
}

/** The body's size in bytes, once read (undefined when it was not). */
function sizeOf(bytes) {
  return typeof bytes === 'string' ? new TextEncoder().encode(bytes).byteLength : bytes?.byteLength;
}

/** `application/json`, with or without parameters, or any `application/*+json`. */
function isJsonContentType(value) {
  if (value === 'application/json') return true; // what Promptfoo sends
  if (typeof value !== 'string') return false;
  const type = value.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
}

/**
 * A parsed_body_mismatch saying what the adapter found; the hint names the
 * fix (the contract's, for Node body parsers, unless the adapter knows better).
 */
export function parsedBodyMismatch(detail, hint) {
  return webhookError('parsed_body_mismatch', detail, { hint });
}

/**
 * The router an adapter runs: the one given (whose own options and
 * handlers apply, so verify options or onEvent here are refused), or one
 * built from a secret with the Webhook options and `onEvent`.
 */
function adapterRouter(secretOrWebhooks, onEvent, verifyOptions) {
  if (secretOrWebhooks instanceof Webhooks) {
    const misplaced = Object.keys(verifyOptions)
      .filter((key) => verifyOptions[key] !== undefined || !VERIFY_OPTION_NAMES.includes(key)) // undefined: not given
      .concat(onEvent ? ['onEvent'] : []);
    if (misplaced.length > 0) {
      throw webhookError(
        'invalid_options',
        `${misplaced.join(', ')} belong to the Webhooks router (its constructor, on() or onAny()); ` +
          `with a router the adapter takes only ${ADAPTER_OPTIONS.filter((o) => o !== 'onEvent').join(', ')}`,
      );
    }
    return routerOf(secretOrWebhooks);
  }
  const unknown = Object.keys(verifyOptions).filter((key) => !VERIFY_OPTION_NAMES.includes(key));
  if (unknown.length > 0) {
    throw webhookError(
      'invalid_options',
      `unknown option '${unknown[0]}' (known: ${[...ADAPTER_OPTIONS, ...VERIFY_OPTION_NAMES].join(', ')})`,
    );
  }
  const router = new Router(secretOrWebhooks, verifyOptions);
  if (onEvent) router.add({ handler: onEvent });
  return router;
}

/**
 * The adapter's options, read as own properties and checked whole, with
 * the router they give (the one passed, or one built from the secret, the
 * Webhook options and `onEvent`), forwardTo's href, whether a worker runs
 * here for the inbox, and `report(error, event?)`: a failure the HTTP answer
 * does not carry to the sender (a handler error after acceptance, a
 * receiver set-up error) goes to onError, else the logger.
 */
function readAdapterOptions(secretOrWebhooks, options) {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgType('options', 'an object', options);
  }
  const {
    path,
    onEvent,
    onError,
    onAnswer,
    logger = globalThis.console,
    forwardTo,
    inbox,
    processInbox,
    onDead,
    answerWithinMs,
    ...verifyOptions
  } = ownOptions(options);
  const target =
    forwardTo === undefined ? undefined : forwardTarget(forwardTo, () => invalidArgType('options.forwardTo', 'an http(s) URL', forwardTo));
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw invalidArgType('options.path', "a path starting with '/'", path);
  }
  checkInboxOptions({ inbox, processInbox, onDead, answerWithinMs });
  for (const [name, value] of [['onEvent', onEvent], ['onError', onError], ['onAnswer', onAnswer], ['onDead', onDead]]) {
    if (value !== undefined && typeof value !== 'function') throw invalidArgType(`options.${name}`, 'a function', value);
  }
  if (logger !== false && typeof logger?.error !== 'function') {
    throw invalidArgType('options.logger', 'an object with an error() method (console), or false', logger);
  }
  const router = adapterRouter(secretOrWebhooks, onEvent, verifyOptions);
  // What only a worker in this process uses needs an inbox it claims from.
  const runsWorker = inbox !== undefined && isPullInbox(inbox) && processInbox !== false;
  const report = reporter({ onError, logger, router });
  return { path, onAnswer, logger, target, inbox, runsWorker, onDead, answerWithinMs: answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS, router, report };
}

/**
 * The options about an inbox, and answerWithinMs, which only a receiver
 * without one takes. An option set to undefined is one not given, as the
 * types (`?: T | undefined`) say.
 */
function checkInboxOptions({ inbox, processInbox, onDead, answerWithinMs }) {
  if (inbox !== undefined) checkInbox(inbox);
  if (processInbox !== undefined && typeof processInbox !== 'boolean') throw invalidArgType('options.processInbox', 'a boolean', processInbox);
  for (const [name, value] of [['onDead', onDead], ['processInbox', processInbox]]) {
    if (value !== undefined && (inbox === undefined || !isPullInbox(inbox))) {
      throw webhookError(
        'invalid_options',
        `${name} needs an inbox a worker claims from (SqliteInbox, RedisInbox): with none no worker runs, and with Cloudflare Queues createQueueConsumer takes onDead`,
      );
    }
  }
  if (answerWithinMs === undefined) return;
  if (!Number.isSafeInteger(answerWithinMs) || answerWithinMs < 0 || answerWithinMs > 9000) {
    throw webhookError('invalid_options', 'answerWithinMs must be a whole number from 0 to 9000 (Promptfoo waits 10 s)');
  }
  if (inbox !== undefined) {
    throw webhookError('invalid_options', 'answerWithinMs is for receivers without an inbox: with one, the answer never waits for a handler');
  }
}

/**
 * The flow for an adapter's arguments: a secret (string, bytes, an array of
 * them, or `(env) => secret`) with the Webhook options and `onEvent`, or a
 * Webhooks router (whose own options and handlers then apply, so only
 * `path`, `onError`, `onAnswer` and `logger` are taken here). `onAnswer`
 * is told every answer, with the verified event or the error behind it.
 *
 * `io.body(incoming)` is how the adapter opens a request's body, given
 * once (so a request allocates no functions): `{ body, parsed? }` when a
 * body parser ran (`parsed`: it left an object), or `{ request }`,
 * whose `body` is the stream to read with the bound; or it throws.
 * `io.parsedBodyMismatch(incoming)` is the error for a parsed body, which
 * says which parser ran and how to mount the route around it.
 *
 * Returns `{ path, handle(incoming), report(error, event?) }`, where
 * `incoming` is `{ method, pathname, headers, rawHeaders?, env,
 * ctx }`: `headers` a Fetch API Headers or Node's header object (read by
 * verify/delivery.js, the one place that reads a delivery's parts),
 * `rawHeaders` Node's list as it came, `env` for a secret function, `ctx`
 * with its `waitUntil` on Workers; plus whatever else `io.body` reads.
 */
export function createFlow(secretOrWebhooks, options = {}, io) {
  const flow = readAdapterOptions(secretOrWebhooks, options);
  flow.io = io;
  // With an inbox, handlers (and the forward) run from it, never before the
  // answer: by a worker in this process (unless processInbox is false:
  // other processes run createInboxWorker), or by the runtime's consumer (Queues).
  const { router, target, report, onDead, logger } = flow;
  flow.worker = flow.runsWorker ? startInboxWorker(flow.inbox, entryRunner({ router, target, report }), { onDead, logger }) : undefined;
  // One request resolves to `{ answer, event?, error?, ... }`, where `answer` is
  // `{ status, body | bytes, headers }`. Without onAnswer the adapter awaits
  // the decision itself.
  const handle = flow.onAnswer ? (incoming) => told(flow, decide(flow, incoming), incoming) : (incoming) => decide(flow, incoming);
  return { path: flow.path, handle, report };
}

/** Tells onAnswer a decided request: its answer, and what arrived (for tools that show or replay it). */
async function told(flow, decision, incoming) {
  const decided = await decision;
  const { answer, event, error, size, forwarded, bytes, entry } = decided;
  try {
    const body = answer.bytes === undefined ? answer.body : new TextDecoder().decode(answer.bytes);
    // The headers, and the body as far as it was read.
    const request = { method: incoming.method, headers: headerPairs(incoming.headers, incoming.rawHeaders), body: bytes };
    flow.onAnswer({ status: answer.status, body, event, error, size, forwarded, request, entry });
  } catch (thrown) {
    flow.report(thrown, event);
  }
  return decided;
}

/** The answer to one request, with the verified event or the error behind it. */
async function decide(flow, incoming) {
  const refused = refusal(flow, incoming);
  if (refused !== undefined) return { answer: refused };

  let event;
  let part;
  let delivery;
  // The bytes as read, when they are sent on, kept or measured for onAnswer.
  let recorded;
  try {
    part = flow.io.body(incoming);
    if (flow.target !== undefined || flow.onAnswer !== undefined || flow.inbox !== undefined) ({ part, bytes: recorded } = recording(part));
    const receiver = flow.router.receiverFor(incoming.env);
    // The X-Webhook-Id is read when it picks the secrets, or the inbox keeps it.
    delivery = deliveryOf(incoming.headers, part, flow.inbox !== undefined || receiver.readsWebhookId);
    event = await receiver.accept(delivery);
  } catch (thrown) {
    // A body parser ran first: say which, and how to mount the route.
    const error = thrown?.code === 'parsed_body_mismatch' && part?.parsed ? flow.io.parsedBodyMismatch(incoming) : thrown;
    const answer = rejection(error);
    if (answer.status >= 500) flow.report(error);
    const bytes = recorded?.();
    return { answer, error, bytes, size: sizeOf(bytes) };
  }
  const bytes = recorded?.();
  const size = sizeOf(bytes);
  try {
    if (flow.inbox !== undefined) return await keep(flow, delivery, incoming, event, bytes, size);
    return await afterVerified(flow, incoming, event, bytes, size);
  } catch (error) {
    // A fault of the receiver's own (a forward target's odd answer, say): answered, never a rejection.
    flow.report(error, event);
    return { answer: answerWith('internal_error'), event, error, size, bytes };
  }
}

/** The answer to a request refused before its body: another path, another method, not JSON. */
function refusal({ path }, incoming) {
  if (path !== undefined && incoming.pathname !== path) return answerWith('not_found');
  if (incoming.method !== 'POST') return answerWith('method_not_allowed', { Allow: 'POST' });
  if (!isJsonContentType(headerOf(incoming.headers, 'content-type'))) return answerWith('unsupported_media_type');
  return undefined;
}

/** The handlers and the forward for a verified delivery, and the answer (no inbox). */
async function afterVerified(flow, incoming, event, bytes, size) {
  const { target, report } = flow;
  // Undefined when no handler matches: nothing to wait for.
  const handled = flow.router.dispatch(event)?.catch((error) => report(error, event));
  // Sent on while the handlers run: the target's answer is the sender's.
  const forwarding = target === undefined ? undefined : forward(target, headerPairs(incoming.headers, incoming.rawHeaders), bytes);
  // Workers: the handlers finish after the answer (waitUntil); elsewhere
  // the answer waits for them answerWithinMs at most, then they go on.
  if (handled !== undefined) {
    const { ctx } = incoming;
    if (typeof ctx?.waitUntil === 'function') ctx.waitUntil(handled);
    else await settledWithin(handled, flow.answerWithinMs);
  }
  if (forwarding === undefined) return { answer: { status: 200, body: { received: event.event }, headers: {} }, event, size, bytes };
  const result = await forwarding;
  if (result.failure !== undefined) {
    return { answer: answerWith('forward_failed', {}, result.failure), event, size, bytes, forwarded: { url: target, failure: result.failure } };
  }
  return { answer: result, event, size, bytes, forwarded: { url: target, status: result.status } };
}

/**
 * A verified delivery with an inbox: 200 once it is recorded, 503
 * inbox_unavailable when it cannot be (Promptfoo does not retry, but a
 * 200 would promise what nobody keeps: the failure shows in its
 * delivery log, and the sender's operator can resend).
 */
async function keep(flow, delivery, incoming, event, bytes, size) {
  const { signature } = delivery;
  let kept;
  try {
    const entry = {
      body: typeof bytes === 'string' ? utf8.encode(bytes) : bytes,
      signature,
      webhookId: delivery.webhookId || undefined,
      receivedAt: Date.now(),
      dedupeKey: deliveryKeyOf(signature),
      orderKey: issueIdOf(event),
    };
    kept = await flow.inbox.record(entry, incoming.env);
  } catch (error) {
    flow.report(error, event);
    return { answer: rejection(webhookError('inbox_unavailable')), event, error, size, bytes };
  }
  flow.worker?.kick();
  const body = kept?.duplicate ? { received: event.event, duplicate: true } : { received: event.event };
  return { answer: { status: 200, body, headers: {} }, event, size, bytes, entry: kept };
}

/** Resolves once `promise` settles or `ms` have passed, whichever is first. */
function settledWithin(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The issue an event is about (its entries keep their order), or undefined. */
function issueIdOf(event) {
  const id = event.data?.issue?.id;
  return typeof id === 'string' ? id : undefined;
}

const utf8 = new TextEncoder();

// The scheme and authority of an absolute-form request target.
const SCHEME_AND_AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i;

/**
 * The path part of a request target (`/hook?x=1` -> `/hook`). Never throws:
 * the target is whatever the client wrote on its request line. An
 * absolute-form target (`http://host/hook`, as proxies send) gives its path
 * without its authority being parsed (`new URL` throws on a bad port or
 * host, which would reject the middleware's promise); anything else (`*`,
 * junk) is returned as it is, and matches no path.
 */
export function pathnameOf(url) {
  const target = typeof url === 'string' ? url : '/';
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  if (path.startsWith('/')) return path;
  const authority = SCHEME_AND_AUTHORITY.exec(path);
  return authority === null ? path : path.slice(authority[0].length) || '/';
}
