// A delivery's parts, read from the request that carried it here and
// nowhere else, whatever the surface: Webhook.verifyRequest (a Fetch API
// Request), the Node middleware (an IncomingMessage's header object), the
// fetch handler and the CLI's serve. Each part is read once:
//
//   signature   the X-Promptfoo-Signature header
//   webhookId   the X-Webhook-Id header, when something needs it (webhookSecrets, an inbox)
//   declared    the Content-Length header: bounds the read of a streamed body (and the
//               Node middleware's drain of a body it refused)
//   body        whole (what a body parser left), or `request.body`, a stream read with the bound
//
// A delivery is `{ signature, webhookId, declared, body }` or, with its body
// still to be read, `{ signature, webhookId, declared, request }`, where
// `request.body` is the stream (read after the keys are chosen, so an
// unknown X-Webhook-Id is refused before the body is touched).

import { invalidArgType, isOwnError, withCause } from '../core/errors.js';
import { SIGNATURE_HEADER_LOWER, WEBHOOK_ID_HEADER } from '../generated/contract.js';

const WEBHOOK_ID_HEADER_LOWER = WEBHOOK_ID_HEADER.toLowerCase();

/**
 * A header's value, or undefined when there is none, from a Fetch API
 * Headers (`get`) or Node's header object (lower-case names, a header
 * given more than once an array of values, joined as Headers.get joins them).
 */
export function headerOf(headers, name) {
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The delivery carried by a request's `headers` and `body`: `body` is
 * `{ body }` (whole) or `{ request }` (a stream still to be read). The
 * X-Webhook-Id header is read only `withWebhookId`: when it picks the
 * secrets, or an inbox records it.
 */
export function deliveryOf(headers, body, withWebhookId) {
  if (body.request !== undefined) return streamedDelivery(headers, body.request, withWebhookId);
  return { signature: headerOf(headers, SIGNATURE_HEADER_LOWER), webhookId: headerOf(headers, WEBHOOK_ID_HEADER_LOWER), declared: undefined, body: body.body };
}

/** The delivery of a request whose body, `request.body`, is a stream still to be read. */
function streamedDelivery(headers, request, withWebhookId) {
  const signature = headerOf(headers, SIGNATURE_HEADER_LOWER);
  // It bounds the read, never sizes it: the stream is read, and cut off
  // past it, as a runtime may not hold a Request to its declared length.
  const declared = declaredLength(headers);
  const webhookId = withWebhookId ? headerOf(headers, WEBHOOK_ID_HEADER_LOWER) : undefined;
  return { signature, webhookId, declared, request };
}

/**
 * The delivery of a caller's Fetch API Request (Webhook.verifyRequest).
 * Reading it runs its getters: what they throw is the request's shape (a
 * TypeError, with the thrown value as its cause), unless it is ours.
 */
export function requestDelivery(request, withWebhookId) {
  try {
    if (typeof request !== 'object' || request === null) throw notARequest(request);
    const headers = request.headers; // a getter: read once
    if (typeof headers?.get !== 'function') throw notARequest(request);
    return streamedDelivery(headers, request, withWebhookId);
  } catch (thrown) {
    throw requestError(request, thrown);
  }
}

/**
 * A request's headers as `[name, value]` pairs, as they came (a repeated
 * header once per line, in order), for what shows or sends on a request
 * whole: from Node's `rawHeaders` when given, which Node does not join;
 * else from a Fetch API Headers, or from a header object.
 */
export function headerPairs(headers, rawHeaders) {
  if (Array.isArray(rawHeaders)) {
    const pairs = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i], rawHeaders[i + 1]]);
    return pairs;
  }
  if (typeof headers.get === 'function') return [...headers];
  return Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => [name, v]) : value === undefined ? [] : [[name, value]]));
}

/** The stream of a delivery's body still to be read (`delivery.request.body`). */
export function bodyStream(delivery) {
  try {
    return delivery.request.body;
  } catch (thrown) {
    throw requestError(delivery.request, thrown);
  }
}

/** Cancels the body stream of a delivery nobody will read; a stream that refuses is left as it is. */
export function cancelBody(delivery) {
  try {
    delivery.request?.body?.cancel?.()?.catch?.(() => {});
  } catch {
    // Not a stream we can cancel (a caller's own object): nothing more to do.
  }
}

function requestError(request, thrown) {
  return isOwnError(thrown) ? thrown : withCause(notARequest(request), thrown);
}

const notARequest = (request) => invalidArgType('request', 'a Fetch API Request', request);

/** The Content-Length header's value, or undefined when there is none or it is not a length. */
export function declaredLength(headers) {
  const header = headerOf(headers, 'content-length');
  const length = header === undefined ? NaN : Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
