// `createNodeMiddleware`: a Promptfoo webhook endpoint for Node's `http`
// module and Express 5, as `(req, res, next?) => Promise<void>`.
//
//   http.createServer(createNodeMiddleware(secret, { onEvent })).listen(3000, '127.0.0.1');
//   app.post('/webhooks/promptfoo', createNodeMiddleware(webhooks));       // Express, a Webhooks router
//   app.use(createNodeMiddleware(webhooks, { path: '/webhooks/promptfoo' })); // other paths go to next()
//
// The request goes through the one flow (flow.js); this file only reads the
// IncomingMessage and writes the ServerResponse. The body is `req.body` when
// a body parser already ran (bytes from express.raw verify as they are; a
// parsed object only with allowParsedBody, otherwise 500
// parsed_body_mismatch with a hint on how to mount it in the framework that
// parsed it, parsers.js), else the request
// stream, read with the Webhook's bound. The middleware always answers,
// except that a request for another path goes to next() when there is one.
// Nothing here touches Node modules, so the same code is in every bundle.

import { STATUS_BY_CODE } from '../generated/contract.js';
import { declaredLength } from '../verify/delivery.js';
import { answerBody, createFlow, internalErrorAnswer, parsedBodyMismatch, pathnameOf } from './flow.js';
import { parsedBodyDiagnosis } from './parsers.js';

/**
 * @param {string | Uint8Array | Array<string | Uint8Array> | ((env) => string | string[]) | import('../router.js').Webhooks} secretOrWebhooks
 * @param {object} [options] path, onEvent (with a secret), onError, logger, and with a secret the Webhook options
 * @returns {(req, res, next?) => Promise<void>}
 */
export function createNodeMiddleware(secretOrWebhooks, options) {
  const flow = createFlow(secretOrWebhooks, options, NODE_IO);
  // In Node the environment is process.env: a secret function gets it as `env`.
  const env = globalThis.process?.env;

  // Never rejects: a plain `http.createServer(middleware)` has nobody to
  // catch a rejection, and an unhandled one ends the process.
  return async function promptfooWebhookMiddleware(req, res, next) {
    try {
      const pathname = pathnameOf(req.url);
      if (flow.path !== undefined && pathname !== flow.path && typeof next === 'function') return next();
      const incoming = { method: req.method, pathname, headers: req.headers, rawHeaders: req.rawHeaders, env, ctx: undefined, req, res };
      const { answer } = await flow.handle(incoming);
      if (!res.headersSent) await send(req, res, answer);
    } catch (error) {
      flow.report(error);
      try {
        if (res.headersSent) res.destroy();
        else write(req, res, internalErrorAnswer(), true);
      } catch {
        res.destroy();
      }
    }
  };
}

/** How the flow opens an IncomingMessage's body (`incoming.req`): what a body parser left, or the request stream. */
const NODE_IO = {
  body({ req }) {
    const { body } = req;
    if (body !== undefined) return isParsedObject(body) ? { body, parsed: true } : { body };
    if (req.readableEnded) {
      throw parsedBodyMismatch('the request body was already read by other middleware, and req.body is empty');
    }
    return { request: { body: bodyStream(req) } };
  },
  // The framework that parsed it, as the request and response show it, names its own fix.
  parsedBodyMismatch({ req, res }) {
    const { detail, hint } = parsedBodyDiagnosis(req, res);
    return parsedBodyMismatch(detail, hint);
  },
};

/** A body parser's object (not bytes or text, which verify as they are). */
function isParsedObject(body) {
  return typeof body === 'object' && body !== null && !ArrayBuffer.isView(body) && !(body instanceof ArrayBuffer);
}

/**
 * The request body as a web ReadableStream, so the Webhook's bounded read
 * does the size check. Cancelling it (past the limit) lets go of the request.
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
    // Not paused: the answer's send() drains what is left of a short body
    // (and closes the connection on a long one), and a cancel that reaches
    // here late, through a pipe (onAnswer, forwardTo), must not stop that drain.
    cancel() {
      detach();
    },
  });
}

// A body refused before it was read to its end (a Content-Length over the
// limit, or a stream cut off past it). A client still sending a length it
// declared may stop reading answers until it has sent it all, and may reuse
// the connection after: so up to DRAIN_BYTES of it are read and dropped,
// for at most DRAIN_MS, before the answer goes out. A longer or chunked body
// is not waited for: the answer goes out at once and the connection closes.
const DRAIN_BYTES = 8 * 1024 * 1024;
const DRAIN_MS = 5000;

/** Writes `{ status, body, headers }` as JSON, after draining what is left of a short request; resolves once written. */
function send(req, res, answer) {
  const declared = declaredLength(req.headers);
  // A body that stopped arriving (body_timeout) is not waited for again.
  const stalled = answer.status === STATUS_BY_CODE.body_timeout;
  // A client already gone (it closed mid-body) has nothing left to drain.
  if (req.readableEnded || req.destroyed || stalled || declared === undefined || declared > DRAIN_BYTES) {
    write(req, res, answer, !req.readableEnded);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = (close) => {
      clearTimeout(timer);
      req.off('end', ended);
      req.off('close', closed);
      if (!res.headersSent) write(req, res, answer, close);
      resolve();
    };
    const ended = () => done(false);
    const closed = () => done(true); // the client left before sending it all
    const timer = setTimeout(() => done(true), DRAIN_MS);
    req.once('end', ended);
    req.once('close', closed);
    req.resume(); // no data listener: what arrives is dropped
  });
}

function write(req, res, answer, close) {
  const { status, headers, text } = answerBody(answer);
  const length = text === null ? 0 : typeof text === 'string' ? new TextEncoder().encode(text).byteLength : text.byteLength;
  res.writeHead(status, {
    ...headers,
    ...(text === null ? {} : { 'Content-Length': length }),
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(text ?? undefined);
}
