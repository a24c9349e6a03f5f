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
// - the package's Node middleware is the whole receiver: it reads the RAW
//   body with a size limit (the signature covers those exact bytes), checks
//   the Content-Type, verifies, de-duplicates and answers with the contract's
//   status for each error code; this file adds a log line per delivery;
// - the middleware is created once, at start-up: the HMAC key is prepared
//   once, and a bad secret fails there, not on the first delivery;
// - optionally, accept each delivery once: PROMPTFOO_WEBHOOK_DEDUPE=1 keeps the
//   accepted deliveries in this process; PROMPTFOO_WEBHOOK_REDIS_URL=redis://...
//   keeps them in Redis, shared by every receiver process using that server
//   (needs the `redis` npm package).
//
// What it answers (the package's STATUS_BY_CODE; README "Error codes"):
//   200 { received: <event> }               verified; the event is typed and safe to use
//   401 missing_signature                   no X-Promptfoo-Signature header
//   401 malformed_signature                 the header is not 64 hex digits
//   401 signature_mismatch                  wrong secret, or the body was changed on the way
//   413 body_too_large                      more than maxBodyBytes (checked before reading)
//   415 unsupported_media_type              a Content-Type other than application/json
//   400 invalid_json                        authentic, but not JSON (should never come from Promptfoo)
//   400 invalid_payload                     authentic JSON, but not a webhook envelope
//   400 timestamp_outside_window            authentic, but too old (or too far ahead): a replay or a skewed clock
//   409 duplicate_delivery                  with dedupe on: this exact delivery was already accepted
//   500 internal_error                      the shared dedupe store (Redis) did not answer
//   405 method_not_allowed                  anything but POST
// Every error body is `{ "error": <code>, "message": <text> }`. Messages come from
// the library and never contain the secret, so they are safe to send back.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createNodeMiddleware, DEFAULT_MAX_BODY_BYTES, MemoryReplayStore, RedisReplayStore } from 'promptfoo-webhooks';

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
  const stats = { received: 0, accepted: 0, rejected: 0, byCode: {} };
  // One log line per request, from what the middleware answered.
  const onAnswer = ({ status, body, event }) => {
    stats.received++;
    if (event !== undefined) stats.accepted++;
    else {
      stats.rejected++;
      stats.byCode[body.error] = (stats.byCode[body.error] ?? 0) + 1;
    }
    const outcome = event !== undefined ? `accepted ${event.event} ${event.timestamp} (secret #${event.secretIndex})` : `rejected ${body.error}: ${body.message}`;
    log(`[receiver] ${status} ${outcome}`);
  };
  // Created once: a bad secret (empty, whitespace, too short) throws here, at
  // start-up, with code `invalid_secret`, instead of on the first delivery.
  const middleware = createNodeMiddleware(secret, {
    toleranceSeconds,
    now,
    maxBodyBytes,
    dedupe: dedupeOption(dedupe),
    onEvent,
    onAnswer,
    // A handler that throws still gets 200 (the delivery was authentic); say so here.
    onError: (error) => log(`[receiver] error after acceptance: ${error?.message ?? error}`),
  });
  const server = createServer((req, res) => middleware(req, res));

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
        server.close(() => resolve());
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
