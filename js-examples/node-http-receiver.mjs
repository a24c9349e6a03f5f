// A Promptfoo webhook receiver on plain node:http, no framework.
//
//   PROMPTFOO_WEBHOOK_SECRET=<your webhook's secret> PORT=3000 node js-examples/node-http-receiver.mjs
//
// then point the webhook's URL at http://127.0.0.1:3000/ (any path works), or
// try it with the sender in this folder:
//
//   PROMPTFOO_WEBHOOK_SECRET=<same secret> node js-examples/sender.mjs http://127.0.0.1:3000/
//
// What it shows:
// - read the RAW body yourself, with a size limit, before anything parses it:
//   the signature covers those exact bytes;
// - create one `Webhook` at start-up (the HMAC key is prepared once) and call
//   `webhook.verify(body, signature)` per delivery;
// - turn the library's stable error codes into HTTP statuses;
// - optionally, accept each delivery once: PROMPTFOO_WEBHOOK_DEDUPE=1 keeps the
//   accepted deliveries in this process; PROMPTFOO_WEBHOOK_REDIS_URL=redis://...
//   keeps them in Redis, shared by every receiver process using that server
//   (needs the `redis` npm package).
//
// Status codes this example answers (choose your own; these are a sensible default):
//   200 { received: <event> }               verified; the event is typed and safe to use
//   401 missing_signature                   no X-Promptfoo-Signature header
//   401 malformed_signature                 the header is not 64 hex digits
//   401 signature_mismatch                  wrong secret, or the body was changed on the way
//   413 body_too_large                      more than maxBodyBytes (checked before reading)
//   400 invalid_json                        authentic, but not JSON (should never come from Promptfoo)
//   400 invalid_payload                     authentic JSON, but not a webhook envelope
//   400 timestamp_outside_window            authentic, but too old (or too far ahead): a replay or a skewed clock;
//                                           error.reason says which ('too_old' | 'in_future')
//   409 duplicate_delivery                  with dedupe on: this exact delivery was already accepted
//   500 internal_error                      a bug, or the shared dedupe store (Redis) did not answer
//   405 method_not_allowed                  anything but POST
// Every error body is `{ "error": <code>, "message": <text> }`. Messages come from
// the library and never contain the secret, so they are safe to send back.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { Webhook, WebhookVerificationError, MemoryReplayStore, RedisReplayStore, SIGNATURE_HEADER, STATUS_BY_CODE } from 'promptfoo-webhooks';

/** The later Promptfoo docs' example receiver caps bodies at 5 MB; so does the library by default. */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/** HTTP status for each error code a delivery can fail with: the package's own table, as its adapters use it. */
export { STATUS_BY_CODE };

/**
 * Starts the receiver and resolves once it listens.
 *
 * @param {object} options
 * @param {string | string[]} options.secret the webhook secret (an array during a rotation: old and new)
 * @param {number} [options.port] 0 (the default) picks a free port
 * @param {number} [options.toleranceSeconds] reject payloads whose `timestamp` is further than this from now (off when absent)
 * @param {() => number | Date} [options.now] the clock for that window (tests inject one)
 * @param {number} [options.maxBodyBytes] default 5 MiB
 * @param {boolean | { maxEntries?: number, ttlSeconds?: number, store?: object }} [options.dedupe] off by default; on, a
 *   repeat of an accepted delivery is answered 409 duplicate_delivery. The store is an in-process
 *   MemoryReplayStore (one process only) unless `store` gives a shared one, e.g. a RedisReplayStore.
 * @param {(event: object) => void} [options.onEvent] called with each verified event
 * @param {(line: string) => void} [options.log] one line per delivery; default console.log
 * @returns {Promise<{ url: string, close: () => Promise<void>, stats: object }>}
 */
export async function startReceiver({
  port = 0,
  secret,
  toleranceSeconds,
  now,
  maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  dedupe = false,
  onEvent = () => {},
  log = console.log,
} = {}) {
  // Created once: a bad secret (empty, whitespace, too short) throws here, at
  // start-up, with code `invalid_secret`, instead of on the first delivery.
  const webhook = new Webhook(secret, { toleranceSeconds, now, maxBodyBytes, dedupe: dedupeOption(dedupe) });
  const stats = { received: 0, accepted: 0, rejected: 0, byCode: {} };

  const server = createServer(async (req, res) => {
    stats.received++;
    const started = Date.now();
    const done = (status, outcome) => {
      log(`[receiver] ${req.method} ${req.url} -> ${status} ${outcome} (${Date.now() - started} ms)`);
    };

    if (req.method !== 'POST') {
      reply(res, 405, { error: 'method_not_allowed', message: 'webhooks are delivered with POST' }, { Allow: 'POST' });
      stats.rejected++;
      return done(405, 'method_not_allowed');
    }

    try {
      const body = await readBody(req, maxBodyBytes);
      // Node lower-cases header names; a missing header is `undefined`, which
      // the library reports as `missing_signature`.
      const signature = req.headers[SIGNATURE_HEADER.toLowerCase()];
      // verifyOnce also claims the delivery in the replay store (only after it verified).
      const event = dedupe ? await webhook.verifyOnce(body, signature) : webhook.verify(body, signature);
      stats.accepted++;
      onEvent(event);
      reply(res, 200, { received: event.event });
      done(200, `accepted ${event.event} ${event.timestamp}`);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) {
        // A bug in our own code or a broken connection: not the sender's fault.
        reply(res, 500, { error: 'internal_error', message: 'the receiver failed' });
        stats.rejected++;
        return done(500, `internal_error ${error?.message ?? error}`);
      }
      const status = STATUS_BY_CODE[error.code] ?? 400;
      stats.rejected++;
      stats.byCode[error.code] = (stats.byCode[error.code] ?? 0) + 1;
      // After a 413 the rest of the body is still on the wire: close the
      // connection rather than read it.
      const headers = status === 413 ? { Connection: 'close' } : {};
      reply(res, status, { error: error.code, message: error.message }, headers);
      done(status, `rejected ${error.code}: ${error.message}`);
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    // 127.0.0.1 only: put a reverse proxy with TLS in front to expose it.
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: actualPort } = server.address();

  return {
    url: `http://127.0.0.1:${actualPort}/`,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          webhook.dispose();
          resolve();
        });
        server.closeAllConnections?.();
      }),
  };
}

/** The Webhook's dedupe option from this example's `dedupe` flag. */
function dedupeOption(dedupe) {
  if (!dedupe) return undefined;
  const { maxEntries = 100_000, ttlSeconds, store = new MemoryReplayStore({ maxEntries }) } = dedupe === true ? {} : dedupe;
  return { store, ttlSeconds };
}

/**
 * Reads the whole request body into a Buffer, but never more than `limit`
 * bytes: a declared Content-Length over the limit is refused before reading
 * anything; a body that turns out longer (chunked, or a lying header) is cut
 * off as soon as it passes the limit.
 */
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const tooLarge = (size) =>
      new WebhookVerificationError('body_too_large', `body of ${size} bytes exceeds the limit of ${limit} bytes`, {
        hint: 'Raise maxBodyBytes if legitimate payloads are this large.',
      });
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return reject(tooLarge(declared));

    const chunks = [];
    let size = 0;
    const onData = (chunk) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge(size));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function reply(res, status, json, headers = {}) {
  const text = JSON.stringify(json);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  // With `Connection: close`, Node closes the socket once this is sent, so an
  // oversized body we stopped reading is never read to the end.
  res.end(text);
}

// ---------------------------------------------------------------- run it

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const secret = process.env.PROMPTFOO_WEBHOOK_SECRET;
  if (!secret) {
    console.error('Set PROMPTFOO_WEBHOOK_SECRET to the secret Promptfoo generated for your webhook.');
    console.error('For a local try-out: PROMPTFOO_WEBHOOK_SECRET=$(node -e "import(\'promptfoo-webhooks\').then(m => console.log(m.generateSecret()))")');
    process.exit(1);
  }
  // PROMPTFOO_WEBHOOK_DEDUPE=1: answer a repeat of an accepted delivery with 409,
  // remembering deliveries in this process. PROMPTFOO_WEBHOOK_REDIS_URL: the
  // same, remembered in Redis, so several receiver processes accept each delivery once.
  const redisUrl = process.env.PROMPTFOO_WEBHOOK_REDIS_URL;
  const redis = redisUrl ? await connectRedis(redisUrl) : undefined;
  const receiver = await startReceiver({
    port: Number(process.env.PORT ?? 3000),
    secret,
    // Promptfoo does not sign a delivery time, so the payload's own timestamp
    // is the only replay protection there is: 5 minutes either way.
    toleranceSeconds: 300,
    dedupe: redis ? { store: new RedisReplayStore({ client: redis, flavor: 'node-redis', prefix: 'promptfoo:' }) } : process.env.PROMPTFOO_WEBHOOK_DEDUPE === '1',
    onEvent: (event) => {
      // Your code goes here. `event` is the parsed payload, e.g.
      // event.data.issue.severity for the issue.* events.
      if (event.event === 'issue.updated') console.log(`           changes: ${event.data.eventData.changes.join('; ')}`);
    },
  });
  console.log(`Listening on ${receiver.url} (Ctrl-C to stop)`);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      await receiver.close();
      await redis?.close();
      console.log(`\nBye: ${JSON.stringify(receiver.stats)}`);
    });
  }
}

/** A node-redis client that fails fast while disconnected (no offline queue), so a claim errors instead of waiting. */
async function connectRedis(url) {
  const { createClient } = await import('redis');
  const client = createClient({ url, disableOfflineQueue: true });
  client.on('error', (error) => console.error(`[receiver] redis: ${error.message}`));
  await client.connect();
  return client;
}
