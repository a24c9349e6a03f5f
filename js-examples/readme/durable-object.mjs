// README "Scaling out / Cloudflare Durable Objects": the Worker, bound to its own
// ReplayGuard namespace as REPLAY (wrangler.toml beside this file).
// README:begin durable-object
// src/index.js
import { Webhook, WebhookVerificationError, STATUS_BY_CODE, DurableObjectReplayStore, ReplayGuard } from 'promptfoo-webhooks';
export { ReplayGuard };

let webhook; // one per isolate: the key is prepared once
export default {
  async fetch(request, env) {
    webhook ??= new Webhook(env.PROMPTFOO_WEBHOOK_SECRET, {
      dedupe: { store: new DurableObjectReplayStore(env.REPLAY, { shards: 4 }) },
    });
    try {
      const event = await webhook.verifyRequest(request);
      return Response.json({ received: event.event });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      // 409 duplicate_delivery for a repeat, 401 for a bad signature, ...
      return Response.json({ error: error.code }, { status: STATUS_BY_CODE[error.code] ?? 400 });
    }
  },
};
// README:end
