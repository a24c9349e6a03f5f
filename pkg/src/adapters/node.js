// `createNodeMiddleware`: a Promptfoo webhook endpoint for Node's `http`
// module and Express 5, as `(req, res, next?) => Promise<void>`.
//
//   http.createServer(createNodeMiddleware(secret, { onEvent })).listen(3000, '127.0.0.1');
//   app.post('/webhooks/promptfoo', createNodeMiddleware(webhooks));       // Express, a Webhooks router
//   app.use(createNodeMiddleware(webhooks, { path: '/webhooks/promptfoo' })); // other paths go to next()
//
// Per request, in this order:
//   path given and not this one   -> next(), or 404 without Express
//   not POST                      -> 405
//   Content-Type not JSON         -> 415
//   the body: req.body if a body parser already ran (bytes from express.raw
//     are verified as they are; a parsed object only with allowParsedBody,
//     otherwise 500 parsed_body_mismatch with a hint on how to mount it),
//     else read here with the Webhook's bounded read: a Content-Length over
//     maxBodyBytes is refused unread and a longer body is cut off (413)
//   verification failures         -> 401 / 413 / 400, see STATUS_BY_CODE
//   verified                      -> the router's matching handlers run and
//                                    are awaited, then 200 { received: <event> }
// The middleware always answers (handlers return nothing). A handler that
// throws still gets 200 sent: the delivery was authentic and accepted; the
// error goes to onError (see http.js). Error bodies are { error, message }.
// Nothing here touches Node modules, so the same code is in every bundle.

import { isParsedBody } from '../body.js';
import {
  adapterSetup,
  isJsonContentType,
  NOT_FOUND,
  NOT_JSON,
  NOT_POST,
  parsedBodyMismatch,
  pathnameOf,
  rejection,
  SIGNATURE_HEADER_LOWER,
} from './http.js';

/**
 * @param {string | Uint8Array | Array<string | Uint8Array> | ((env) => string | string[]) | import('../router.js').Webhooks} secretOrWebhooks
 * @param {object} [options] path, onEvent (with a secret), onError, and with a secret the verify options
 * @returns {(req, res, next?) => Promise<void>}
 */
export function createNodeMiddleware(secretOrWebhooks, options) {
  const { webhooks, path, report } = adapterSetup(secretOrWebhooks, options);
  // In Node the environment is process.env: a secret function gets it as `env`.
  const env = globalThis.process?.env;

  return async function promptfooWebhookMiddleware(req, res, next) {
    if (path !== undefined && pathnameOf(req.url) !== path) {
      if (typeof next === 'function') return next();
      return send(req, res, NOT_FOUND);
    }
    if (req.method !== 'POST') return send(req, res, NOT_POST);
    if (!isJsonContentType(req.headers['content-type'])) return send(req, res, NOT_JSON);

    let event;
    try {
      event = await verifyNodeRequest(webhooks, req, env);
    } catch (error) {
      const answer = rejection(error);
      if (answer.status >= 500) report(error);
      return send(req, res, answer);
    }

    try {
      await webhooks.receive(event);
    } catch (error) {
      report(error, event);
    }
    if (!res.headersSent) send(req, res, { status: 200, body: { received: event.event }, headers: {} });
  };
}

/** The verified event from `req.body` (a body parser ran) or from the request stream. */
async function verifyNodeRequest(webhooks, req, env) {
  const signature = headerText(req.headers[SIGNATURE_HEADER_LOWER]);
  if (req.body !== undefined) {
    try {
      // Bytes (express.raw) or text verify as they are; an object only with allowParsedBody.
      return webhooks.verify(req.body, signature, env);
    } catch (error) {
      if (error.code !== 'parsed_body_mismatch') throw error;
      throw parsedBodyMismatch('req.body was already parsed by a JSON body parser');
    }
  }
  if (req.readableEnded) {
    throw parsedBodyMismatch('the request body was already read by other middleware, and req.body is empty');
  }
  const request = {
    headers: { get: (name) => headerText(req.headers[name.toLowerCase()]) ?? null },
    body: bodyStream(req),
  };
  return webhooks.verifyRequest(request, env);
}

function headerText(value) {
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The request body as a web ReadableStream, so the Webhook's bounded read
 * does the size check. Cancelling it (past the limit) stops reading.
 */
function bodyStream(req) {
  let detach = () => {};
  return new ReadableStream({
    start(controller) {
      const onData = (chunk) => {
        controller.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
        if (controller.desiredSize <= 0) req.pause();
      };
      const onEnd = () => {
        detach();
        controller.close();
      };
      const onError = (error) => {
        detach();
        controller.error(error);
      };
      const onClose = () => onError(new Error('the request closed before its body ended'));
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onError);
      req.on('close', onClose);
      detach = () => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onError);
        req.off('close', onClose);
      };
    },
    pull() {
      req.resume();
    },
    cancel() {
      detach();
      req.pause();
    },
  });
}

/**
 * Writes `{ status, body, headers }` as JSON. When the request body was not
 * read to its end (refused before reading, or cut off past the limit) the
 * connection is closed after the answer rather than drained.
 */
function send(req, res, { status, body, headers }) {
  const text = JSON.stringify(body);
  const close = req.readableEnded ? {} : { Connection: 'close' };
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': new TextEncoder().encode(text).byteLength,
    ...headers,
    ...close,
  });
  res.end(text);
}
