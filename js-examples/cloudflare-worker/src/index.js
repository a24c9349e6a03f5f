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
// Status codes this example answers:
//   200 { received: <event> }   verified; the event is typed and safe to use
//   401 missing_signature, malformed_signature, signature_mismatch
//   413 body_too_large          more than MAX_BODY_BYTES (by Content-Length, or cut off while reading)
//   400 invalid_json, invalid_payload, or any other delivery error
//   405 method_not_allowed      anything but POST
// Every error body is `{ "error": <code>, "message": <text> }`. Messages come
// from the library and never contain the secret, so they are safe to send back.
import { Webhook, WebhookVerificationError } from 'promptfoo-webhooks';

/** Promptfoo's payloads are a few KiB; refuse anything far bigger before reading it all. */
const MAX_BODY_BYTES = 64 * 1024;

const STATUS_BY_CODE = {
  missing_signature: 401,
  malformed_signature: 401,
  signature_mismatch: 401,
  body_too_large: 413,
  invalid_json: 400,
  invalid_payload: 400,
};

// One Webhook per isolate: its HMAC key is prepared once and reused by every
// request the isolate serves. It is created on the first request because
// `env` (where the secret lives) only arrives with a request.
let webhook;

export default {
  async fetch(request, env) {
    if (request.method !== 'POST') {
      return error(405, 'method_not_allowed', 'send the webhook with POST', { Allow: 'POST' });
    }
    // A missing or unusable secret throws `invalid_secret` here: the Worker
    // is misconfigured, so it fails with a 500 rather than blaming the sender.
    webhook ??= new Webhook(env.PROMPTFOO_WEBHOOK_SECRET, { maxBodyBytes: MAX_BODY_BYTES });

    let event;
    try {
      event = await webhook.verifyRequest(request);
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      return error(STATUS_BY_CODE[err.code] ?? 400, err.code, err.message);
    }

    // Verified: handle it here (queue it, store it, notify someone...).
    console.log(`promptfoo webhook: ${event.event}`);
    return Response.json({ received: event.event });
  },
};

function error(status, code, message, headers = {}) {
  return Response.json({ error: code, message }, { status, headers });
}
