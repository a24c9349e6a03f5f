// The Worker of tests/js/stores-workerd.test.mjs: verifies each delivery and
// accepts it once, remembered in ReplayGuard Durable Objects. Several
// services run this same code, bound to one Durable Object namespace.
// Bindings: PROMPTFOO_WEBHOOK_SECRET, REPLAY (the namespace), INSTANCE (this
// service's name, echoed back), SHARDS, NAME (the objects' name prefix), TTL_SECONDS.
import { DurableObjectReplayStore, ReplayGuard, STATUS_BY_CODE, Webhook, WebhookVerificationError } from 'promptfoo-webhooks';

export { ReplayGuard };

let store; // per isolate
let webhook; // per isolate: the key is prepared once

export default {
  async fetch(request, env) {
    store ??= new DurableObjectReplayStore(env.REPLAY, { shards: Number(env.SHARDS), name: env.NAME });
    if (new URL(request.url).pathname === '/stats') return Response.json(await store.stats());
    webhook ??= new Webhook(env.PROMPTFOO_WEBHOOK_SECRET, { dedupe: { store, ttlSeconds: Number(env.TTL_SECONDS) } });
    try {
      const event = await webhook.verifyRequest(request);
      return Response.json({ received: event.event, instance: env.INSTANCE });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) {
        return Response.json({ error: 'internal_error', message: String(error?.stack ?? error) }, { status: 500 });
      }
      return Response.json({ error: error.code, instance: env.INSTANCE }, { status: STATUS_BY_CODE[error.code] ?? 400 });
    }
  },
};
