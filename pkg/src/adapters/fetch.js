// `createFetchHandler`: a Promptfoo webhook endpoint as a Fetch API handler,
// `(request, env?, ctx?) => Promise<Response>`, for
//   Cloudflare Workers   export default { fetch: handler }
//   Hono                 app.post('/hook', (c) => handler(c.req.raw, c.env, c.executionCtx))  // on Workers
//                        app.post('/hook', handler)                                            // anywhere: a Hono Context works too
//   Next.js              export const POST = handler;   (app/.../route.js)
//   Deno                 Deno.serve(handler)
//   Bun                  Bun.serve({ fetch: handler })
//
// Same order and statuses as the Node middleware (405, 415, then the
// Webhook's bounded read and verification: 401 / 413 / 400). Once verified:
// - with `ctx.waitUntil` (Workers, Hono on Workers) the handlers run inside
//   it and 200 is answered at once, so a slow handler cannot push the answer
//   past the sender's 10 s;
// - without it the handlers are awaited, then 200 is answered.
// Either way a handler that throws does not change the 200: the delivery was
// authentic and accepted, and a 5xx would only make Promptfoo record a
// failed delivery that retrying cannot fix (it does not retry). The error
// goes to onError instead (see http.js).

import { invalidArgType } from '../errors.js';
import { adapterSetup, isJsonContentType, NOT_FOUND, NOT_JSON, NOT_POST, rejection } from './http.js';

/**
 * @param {string | Uint8Array | Array<string | Uint8Array> | ((env) => string | string[]) | import('../router.js').Webhooks} secretOrWebhooks
 * @param {object} [options] path, onEvent (with a secret), onError, and with a secret the verify options
 * @returns {(request, env?, ctx?) => Promise<Response>}
 */
export function createFetchHandler(secretOrWebhooks, options) {
  const { webhooks, path, report } = adapterSetup(secretOrWebhooks, options);

  return async function promptfooWebhookHandler(requestOrContext, env, ctx) {
    const { request, env: env_, ctx: ctx_ } = fromArguments(requestOrContext, env, ctx);
    if (path !== undefined && new URL(request.url).pathname !== path) return respond(NOT_FOUND);
    if (request.method !== 'POST') return respond(NOT_POST);
    if (!isJsonContentType(request.headers.get('content-type'))) return respond(NOT_JSON);

    let event;
    try {
      event = await webhooks.verifyRequest(request, env_);
    } catch (error) {
      const answer = rejection(error);
      if (answer.status >= 500) report(error);
      return respond(answer);
    }

    const handled = webhooks.receive(event).catch((error) => report(error, event));
    if (typeof ctx_?.waitUntil === 'function') ctx_.waitUntil(handled);
    else await handled;
    return respond({ status: 200, body: { received: event.event }, headers: {} });
  };
}

/** A Request with env and ctx, or a Hono Context (its raw Request, env and execution context). */
function fromArguments(first, env, ctx) {
  if (isRequest(first)) return { request: first, env, ctx };
  if (isRequest(first?.req?.raw)) {
    let executionCtx;
    try {
      executionCtx = first.executionCtx; // Hono throws when there is none (Node, Bun)
    } catch {
      executionCtx = undefined;
    }
    return { request: first.req.raw, env: first.env, ctx: executionCtx };
  }
  throw invalidArgType('request', 'a Fetch API Request (or a Hono Context)', first);
}

function isRequest(value) {
  return typeof value === 'object' && value !== null && typeof value.headers?.get === 'function' && typeof value.method === 'string';
}

function respond({ status, body, headers }) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  });
}
