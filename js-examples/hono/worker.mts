// The Hono receiver as a Cloudflare Worker (wrangler's `main`).
//
//   wrangler secret put PROMPTFOO_WEBHOOK_SECRET
//
// A Worker's secrets exist only in `env`, per request, so the secret is a
// function of env. If it is unset, the first delivery is answered 500
// invalid_secret and the reason is logged (wrangler tail shows it).
import { createHonoApp } from './app.mjs';

export default createHonoApp({
  secret: (env) => env.PROMPTFOO_WEBHOOK_SECRET,
  onEvent: (event) => console.log(`promptfoo webhook: ${event.event}`),
});
