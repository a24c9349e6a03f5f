// User guide "Cloudflare Workers": the whole Worker (src/index.ts), with the
// quick start's replay window.
// README:begin worker
import { Webhook, WebhookVerificationError, STATUS_BY_CODE } from 'promptfoo-webhooks';

interface Env {
  PROMPTFOO_WEBHOOK_SECRET: string;
}

let webhook: Webhook | undefined; // one per isolate: the key is prepared once
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    webhook ??= new Webhook(env.PROMPTFOO_WEBHOOK_SECRET, { toleranceSeconds: 300 }); // refuse payloads over 5 minutes off
    try {
      const event = await webhook.verifyRequest(request); // reads at most maxBodyBytes
      return Response.json({ received: event.event });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      return Response.json({ error: error.code }, { status: STATUS_BY_CODE[error.code] ?? 400 });
    }
  },
};
// README:end
