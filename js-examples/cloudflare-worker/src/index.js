// A Promptfoo webhook receiver as a Cloudflare Worker.
//
//   npx wrangler secret put PROMPTFOO_WEBHOOK_SECRET   # the webhook's secret
//   npx wrangler deploy
//
// then point the webhook's URL at the Worker's URL.
//
// The package's "workerd" export condition picks its Workers build, which
// imports the wasm core as a precompiled module: wrangler bundles it as is,
// nothing to configure.
//
// createFetchHandler is the whole receiver: it checks the method and the
// Content-Type, reads the body with a bound, verifies, and answers with the
// package's status for each error code (README "Error codes"): 200
// { received: <event> } once verified, 401 for the signature, 413 over
// MAX_BODY_BYTES, 415 for a Content-Type other than JSON, 400 for an
// authentic body that is not a valid payload, 405 for anything but POST.
// Every error body is `{ "error": <code>, "message": <text> }`. Messages come
// from the library and never contain the secret, so they are safe to send back.
import { createFetchHandler } from 'promptfoo-webhooks';

/** Promptfoo's payloads are a few KiB; refuse anything far bigger before reading it all. */
const MAX_BODY_BYTES = 64 * 1024;

// The secret lives in `env`, which only arrives with a request: the handler
// reads it on the first one and keeps the prepared key for the isolate's
// life. A missing or unusable secret answers 500 invalid_secret: the Worker
// is misconfigured, which no sender can fix.
export default {
  fetch: createFetchHandler((env) => env.PROMPTFOO_WEBHOOK_SECRET, {
    maxBodyBytes: MAX_BODY_BYTES,
    // Verified: handle it here (queue it, store it, notify someone...). With
    // ctx.waitUntil this runs after the 200 has gone out.
    onEvent: (event) => console.log(`promptfoo webhook: ${event.event}`),
  }),
};
