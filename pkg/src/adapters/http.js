// What the two adapters share: the HTTP status for each error code, the
// JSON error bodies, the Content-Type check, and turning the first argument
// (a secret or a Webhooks router) plus options into a router.
//
// Statuses: a delivery the sender got wrong is a 4xx; a receiver that is
// set up wrongly (a body parser ran first, an unusable secret) is a 5xx
// because no sender can fix it. After a delivery is verified the answer is
// 200 whatever the handlers do: see `reportAfterAcceptance`.

import { coreError } from '../core.js';
import { invalidArgType, WebhookVerificationError } from '../errors.js';
import { Webhooks, WebhookHandlerError, hasErrorHandlers } from '../router.js';

/** HTTP status for each error code a delivery can be rejected with. */
export const STATUS_BY_CODE = Object.freeze({
  missing_signature: 401,
  malformed_signature: 401,
  signature_mismatch: 401,
  body_too_large: 413,
  unsupported_body: 415,
  invalid_json: 400,
  invalid_payload: 400,
  timestamp_outside_window: 400,
  duplicate_delivery: 409,
  // The receiver's own set-up, not the sender's fault:
  parsed_body_mismatch: 500,
  invalid_secret: 500,
  invalid_options: 500,
});

export const SIGNATURE_HEADER_LOWER = 'x-promptfoo-signature';

/** Answers that come before any verification. */
export const NOT_POST = {
  status: 405,
  body: { error: 'method_not_allowed', message: 'webhooks are delivered with POST' },
  headers: { Allow: 'POST' },
};
export const NOT_JSON = {
  status: 415,
  body: { error: 'unsupported_media_type', message: 'the Content-Type must be application/json' },
  headers: {},
};
export const NOT_FOUND = {
  status: 404,
  body: { error: 'not_found', message: 'no webhook route here' },
  headers: {},
};

/** `{ status, body, headers }` for an error thrown while verifying. */
export function rejection(error) {
  if (!(error instanceof WebhookVerificationError) || STATUS_BY_CODE[error.code] === undefined) {
    return { status: 500, body: { error: 'internal_error', message: 'the receiver failed' }, headers: {} };
  }
  const body = { error: error.code, message: error.message };
  // The receiver's developer reads this one: say how to mount the route.
  if (error.code === 'parsed_body_mismatch') body.hint = error.hint;
  return { status: STATUS_BY_CODE[error.code], body, headers: {} };
}

/** `application/json`, with or without parameters, or any `application/*+json`. */
export function isJsonContentType(value) {
  if (typeof value !== 'string') return false;
  const type = value.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
}

/** A parsed_body_mismatch whose hint names the middleware order that fixes it. */
export function parsedBodyMismatch(detail) {
  const fromCore = coreError('parsed_body_mismatch');
  return new WebhookVerificationError('parsed_body_mismatch', `${fromCore.message} (${detail})`, {
    hint:
      'Mount the webhook middleware before express.json() (or any JSON body parser), or use ' +
      "express.raw({ type: 'application/json' }) on the webhook route; or pass allowParsedBody: true " +
      'to verify JSON.stringify(req.body).',
  });
}

const ADAPTER_OPTIONS = ['path', 'onEvent', 'onError'];

/**
 * The router and adapter settings from the adapters' arguments.
 *
 * With a secret (string, bytes, array, or `(env) => secret`), a private
 * router is built from the verify options and `onEvent` becomes its onAny
 * handler. With a Webhooks router, verify options and handlers belong to
 * the router itself, so only `path` and `onError` are accepted.
 */
export function adapterSetup(secretOrWebhooks, options = {}) {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgType('options', 'an object', options);
  }
  const { path, onEvent, onError, ...verifyOptions } = options;
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw invalidArgType('options.path', "a path starting with '/'", path);
  }
  for (const [name, value] of [['onEvent', onEvent], ['onError', onError]]) {
    if (value !== undefined && typeof value !== 'function') throw invalidArgType(`options.${name}`, 'a function', value);
  }

  let webhooks;
  if (secretOrWebhooks instanceof Webhooks) {
    const misplaced = Object.keys(verifyOptions).concat(onEvent ? ['onEvent'] : []);
    if (misplaced.length > 0) {
      throw coreError(
        'invalid_options',
        `${misplaced.join(', ')} belong to the Webhooks router (its constructor, on() or onAny()); ` +
          `with a router the adapter takes only ${ADAPTER_OPTIONS.filter((o) => o !== 'onEvent').join(', ')}`,
      );
    }
    webhooks = secretOrWebhooks;
  } else {
    webhooks = new Webhooks({ secret: secretOrWebhooks, ...verifyOptions });
    if (onEvent) webhooks.onAny(onEvent);
  }

  /**
   * Reports a failure the HTTP answer does not carry to the sender: a
   * handler error after acceptance, or a receiver set-up error (5xx).
   * `options.onError` gets it if given; a handler error already passed to
   * the router's own onError handlers is not reported twice; anything
   * else nobody listens for goes to console.error rather than vanishing.
   */
  function report(error, event) {
    if (onError) {
      Promise.resolve()
        .then(() => onError(error, event))
        .catch(() => {});
      return;
    }
    if (error instanceof WebhookHandlerError && hasErrorHandlers(webhooks)) return;
    console.error('[promptfoo-webhooks]', error);
  }

  return { webhooks, path, report };
}

/** The path part of a request target (`/hook?x=1` -> `/hook`). */
export function pathnameOf(url) {
  const target = typeof url === 'string' ? url : '/';
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  // An absolute-form target (`http://host/hook`), as proxies may send.
  return path.startsWith('/') ? path : new URL(path, 'http://localhost').pathname;
}
