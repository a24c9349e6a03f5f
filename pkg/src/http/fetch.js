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
import { answerBody, createFlow, parsedBodyMismatch } from './flow.js';

const BODY_ALREADY_READ_HINT =
  "Another middleware read the request body before the webhook (Hono's c.req.json() or a validator, say): register the webhook route before that middleware, or keep it off the webhook's path.";

/**
 * @param {string | Uint8Array | Array<string | Uint8Array> | ((env) => string | string[]) | import('../router.js').Webhooks} secretOrWebhooks
 * @param {object} [options] path, onEvent (with a secret), onError, logger, and with a secret the Webhook options
 * @returns {(request, env?, ctx?) => Promise<Response>}
 */
export function createFetchHandler(secretOrWebhooks, options) {
  const flow = createFlow(secretOrWebhooks, options);

  return async function promptfooWebhookHandler(requestOrContext, env, ctx) {
    const { request, headers, method, env: env_, ctx: ctx_ } = fromArguments(requestOrContext, env, ctx);
    const { answer } = await flow.handle(
      {
        method,
        pathname: flow.path === undefined ? undefined : new URL(request.url).pathname,
        contentType: headers.get('content-type'),
        headers: () => [...headers],
        source: () => {
          // Another middleware read the body first: the receiver's set-up, not the sender's.
          if (request.bodyUsed === true) {
            throw parsedBodyMismatch('the request body was already read by other middleware', BODY_ALREADY_READ_HINT);
          }
          return { request, headers };
        },
      },
      env_,
      ctx_,
    );
    return responseOf(answer);
  };
}

/**
 * The Response for an answer. A JSON one goes through Response.json, which
 * writes the body and its type natively: in workerd, building a Response
 * from a headers object costs more than the rest of a small delivery's
 * handling.
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
 * A Request with env and ctx, or a Hono Context (its raw Request, env and
 * execution context); the request's headers and method are read once (each
 * getter is a call into the runtime).
 */
function fromArguments(first, env, ctx) {
  const parts = requestParts(first);
  if (parts !== undefined) return { request: first, ...parts, env, ctx };
  const raw = first?.req?.raw;
  const rawParts = requestParts(raw);
  if (rawParts !== undefined) {
    let executionCtx;
    try {
      executionCtx = first.executionCtx; // Hono throws when there is none (Node, Bun)
    } catch {
      executionCtx = undefined;
    }
    return { request: raw, ...rawParts, env: first.env, ctx: executionCtx };
  }
  throw invalidArgType('request', 'a Fetch API Request (or a Hono Context)', first);
}

/** A Request's `{ headers, method }`, or undefined when `value` is no Request. */
function requestParts(value) {
  if (typeof value !== 'object' || value === null) return undefined;
  const headers = value.headers;
  if (typeof headers?.get !== 'function') return undefined;
  const method = value.method;
  return typeof method === 'string' ? { headers, method } : undefined;
}
