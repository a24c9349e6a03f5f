// A Promptfoo webhook receiver on Express 5.
//
//   PROMPTFOO_WEBHOOK_SECRET=<your webhook's secret> PORT=3000 node js-examples/express-receiver.mjs
//   PROMPTFOO_WEBHOOK_SECRET=<same secret> node js-examples/sender.mjs http://127.0.0.1:3000/webhook
//
// The one thing to get right: the signature covers the exact bytes Promptfoo
// sent, so the webhook route must see the RAW body. `express.raw()` on that
// route gives `req.body` as a Buffer of those bytes. If `express.json()` runs
// first, the bytes are gone and only a parsed object is left (see the
// `allowParsedBody` note at the end of this file).
//
// Statuses, the same as node-http-receiver.mjs:
//   200 { received: <event name> }
//   401 missing_signature | malformed_signature | signature_mismatch
//   413 body_too_large
//   400 invalid_json | invalid_payload | timestamp_outside_window
//   415 unsupported_body (Content-Type not application/json: express.raw() left no body)
// Errors answer `{ "error": <code>, "message": <text> }`.
import express from 'express';
import { pathToFileURL } from 'node:url';
// STATUS_BY_CODE: the package's code -> status table, the one its adapters use.
import { Webhook, WebhookVerificationError, STATUS_BY_CODE } from 'promptfoo-webhooks';

/**
 * The Express app with a POST /webhook route.
 *
 * @param {object} options
 * @param {string | string[]} options.secret the webhook secret (old and new during a rotation)
 * @param {number} [options.toleranceSeconds] replay window on the payload's timestamp (off when absent)
 * @param {() => number | Date} [options.now] the clock for that window
 * @param {(event: object) => void} [options.onEvent] called with each verified event
 * @param {(line: string) => void} [options.log] one line per delivery
 */
export function createApp({ secret, toleranceSeconds, now, onEvent = () => {}, log = console.log }) {
  // Keys prepared once; an unusable secret throws `invalid_secret` right here.
  const webhook = new Webhook(secret, { toleranceSeconds, now, maxBodyBytes: 5 * 1024 * 1024 });
  const app = express();

  app.post(
    '/webhook',
    // Raw bytes for this route only. `type` must match what Promptfoo sends
    // (application/json); `limit` refuses larger bodies with a 413 before
    // reading them whole.
    express.raw({ type: 'application/json', limit: '5mb' }),
    (req, res) => {
      // Without a matching Content-Type express.raw() leaves req.body
      // undefined; the library then says `unsupported_body`, answered with 415.
      const event = webhook.verify(req.body, req.get('X-Promptfoo-Signature'));
      onEvent(event);
      log(`[express] 200 accepted ${event.event} ${event.timestamp}`);
      res.status(200).json({ received: event.event });
    },
  );

  // Express 5 sends errors thrown in handlers (and body-parser's 413) here.
  app.use((error, req, res, next) => {
    if (res.headersSent) return next(error);
    let code, message;
    if (error instanceof WebhookVerificationError) {
      ({ code, message } = error);
    } else if (error.type === 'entity.too.large') {
      code = 'body_too_large';
      message = `body of ${error.length} bytes exceeds the limit of ${error.limit} bytes`;
    } else {
      log(`[express] 500 ${error.stack ?? error}`);
      return res.status(500).json({ error: 'internal_error', message: 'the receiver failed' });
    }
    const status = STATUS_BY_CODE[code] ?? 400;
    log(`[express] ${status} rejected ${code}: ${message}`);
    res.status(status).json({ error: code, message });
  });

  return app;
}

/** Listens on 127.0.0.1; resolves to `{ url, close }`. */
export async function startExpressReceiver({ port = 0, ...options }) {
  const app = createApp(options);
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', (error) => (error ? reject(error) : resolve(s)));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/webhook`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------- the parsed-body alternative
//
// If your app already has `app.use(express.json())` before this route (the
// integration document's own sample does), `req.body` is a parsed object and
// the raw bytes are gone. The library can still check it: it re-serializes
// the object with JSON.stringify, which reproduces the signed bytes exactly
// because Promptfoo signed JSON.stringify(payload) too.
//
//   const webhook = new Webhook(secret, { allowParsedBody: true });
//   app.use(express.json({ limit: '5mb' }));
//   app.post('/webhook', (req, res) => {
//     const event = webhook.verify(req.body, req.get('X-Promptfoo-Signature'));
//     res.json({ received: event.event });
//   });
//
// Prefer the raw body: a proxy that pretty-prints or re-encodes JSON, or a
// reviver in express.json(), makes the parsed form unverifiable
// (`signature_mismatch`), and without `allowParsedBody` the library refuses an
// object outright with `parsed_body_mismatch`, so it never happens silently.

// ---------------------------------------------------------------- run it

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const secret = process.env.PROMPTFOO_WEBHOOK_SECRET;
  if (!secret) {
    console.error('Set PROMPTFOO_WEBHOOK_SECRET to the secret Promptfoo generated for your webhook.');
    process.exit(1);
  }
  const receiver = await startExpressReceiver({ port: Number(process.env.PORT ?? 3000), secret, toleranceSeconds: 300 });
  console.log(`Listening on ${receiver.url} (Ctrl-C to stop)`);
  process.once('SIGINT', () => receiver.close());
}
