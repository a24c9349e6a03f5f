// `createFetchHandler`: a Promptfoo webhook endpoint as a Fetch API handler,
// `(request, env?, ctx?) => Promise<Response>`, for
//   Cloudflare Workers   export default { fetch: handler }
//   Hono                 app.post('/hook', (c) => handler(c.req.raw, c.env, c.executionCtx))  // on Workers
//                        app.post('/hook', handler)                                            // anywhere: a Hono Context works too
//   Next.js              export const POST = handler;   (app/.../route.js)
//   Deno                 Deno.serve(handler)
//   Bun                  Bun.serve({ fetch: handler })
//
// The request goes through the one flow (flow.js); this file only reads the
// Request and writes the Response. With `ctx.waitUntil` (Workers, Hono on
// Workers) the handlers run inside it and 200 is answered at once.

import { invalidArgType } from '../core/errors.js';
import { answerBody, createFlow, parsedBodyMismatch, pathnameOf } from './flow.js';

// Handed a Hono Context, the handler knows whose middleware read the body.
const BODY_ALREADY_READ_HINT =
  "Another middleware read the request body before the webhook: register the webhook route before that middleware, or keep it off the webhook's path.";
const HONO_BODY_ALREADY_READ_HINT =
  "A Hono middleware read the request body before the webhook (c.req.json(), c.req.parseBody() or a validator, say): register the webhook route before that middleware, or keep it off the webhook's path.";

/**
 * @param {string | Uint8Array | Array<string | Uint8Array> | ((env) => string | string[]) | import('../router.js').Webhooks} secretOrWebhooks
 * @param {object} [options] path, onEvent (with a secret), onError, logger, and with a secret the Webhook options
 * @returns {(request, env?, ctx?) => Promise<Response>}
 */
export function createFetchHandler(secretOrWebhooks, options) {
  const flow = createFlow(secretOrWebhooks, options, FETCH_IO);

  // Not itself async: the flow's promise, then the Response.
  return function promptfooWebhookHandler(requestOrContext, env, ctx) {
    try {
      const incoming = incomingOf(requestOrContext, env, ctx, flow.path !== undefined);
      return flow.handle(incoming).then(respond);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** How the flow opens a Request's body (`incoming.request`). */
const FETCH_IO = {
  body({ request, hono }) {
    // Another middleware read the body first: the receiver's set-up, not the sender's.
    if (request.bodyUsed === true) {
      throw parsedBodyMismatch('the request body was already read by other middleware', hono ? HONO_BODY_ALREADY_READ_HINT : BODY_ALREADY_READ_HINT);
    }
    return { request };
  },
};

const respond = ({ answer }) => responseOf(answer);

/**
 * The Response for an answer. A JSON one goes through Response.json, which
 * writes the body and its type natively: no headers object is built for it,
 * which is slow in workerd.
 */
function responseOf(answer) {
  if (answer.bytes !== undefined) {
    const { status, headers, text } = answerBody(answer); // a forward target's own bytes and type
    return new Response(text, { status, headers });
  }
  const { status, body, headers } = answer;
  const plain = Object.keys(headers).length === 0;
  // Each init member is read from C++: the usual 200 passes none.
  if (status === 200 && plain) return Response.json(body);
  return Response.json(body, plain ? { status } : { status, headers });
}

/**
 * What the flow reads of a Request with env and ctx, or of a Hono Context
 * (its raw Request, env and execution context): `{ method, pathname,
 * request, headers, env, ctx }`, each getter read once (each
 * is a call into the runtime); the pathname only when a path is to match.
 */
function incomingOf(first, env, ctx, wantsPathname) {
  const direct = readRequest(first, env, ctx, wantsPathname);
  if (direct !== undefined) return direct;
  const viaHono = readRequest(first?.req?.raw, undefined, undefined, wantsPathname);
  if (viaHono === undefined) throw invalidArgType('request', 'a Fetch API Request (or a Hono Context)', first);
  viaHono.env = first.env;
  viaHono.hono = true;
  try {
    viaHono.ctx = first.executionCtx; // Hono throws when there is none (Node, Bun)
  } catch {
    // No execution context: the handlers are awaited.
  }
  return viaHono;
}

/** `incoming` for `value` when it is a Request (`headers.get` and a string `method`), else undefined. */
function readRequest(value, env, ctx, wantsPathname) {
  if (typeof value !== 'object' || value === null) return undefined;
  const headers = value.headers;
  if (typeof headers?.get !== 'function') return undefined;
  const method = value.method;
  if (typeof method !== 'string') return undefined;
  return {
    method,
    pathname: wantsPathname ? pathOfUrl(value.url) : undefined,
    request: value,
    headers,
    env,
    ctx,
    hono: false, // set by incomingOf when a Hono Context was given
  };
}

/** A Request's pathname; a url that is no valid URL (workerd builds it from the Host header) gives its raw path, never a throw. */
function pathOfUrl(url) {
  try {
    return new URL(url).pathname;
  } catch {
    return pathnameOf(url);
  }
}
