// A Promptfoo webhook receiver as a Hono app: the same app runs on Node
// (node.mts) and on Cloudflare Workers (worker.mts).
//
// The route hands Hono's Context to createFetchHandler, which takes the raw
// Request, env and execution context from it: the body is read raw and
// bounded there, and on Workers the handlers run in ctx.waitUntil after the
// 200 has gone out. A middleware that reads the body first (c.req.json(),
// a validator) leaves nothing to verify: the answer is then 500
// parsed_body_mismatch, logged, with a hint naming the fix. Register the
// webhook route before such middleware, or keep it off the webhook path.
import { Hono } from 'hono';
import { createFetchHandler, type EventHandler, type Logger, type SecretSource, type VerifiedEvent } from 'promptfoo-webhooks';

export interface Bindings {
  // A Worker's env: its secrets and variables.
  PROMPTFOO_WEBHOOK_SECRET?: string;
}

/**
 * `secret`: the secret itself (Node: read when the app is built, so an
 * unset one fails at start-up), or `(env) => secret` where it only exists
 * per request (a Worker's env).
 */
export interface HonoAppOptions<Secret extends SecretSource<Bindings> = SecretSource<Bindings>> {
  secret: Secret;
  onEvent?: EventHandler<VerifiedEvent>;
  logger?: Logger | false;
}

/** The app with the webhook route at /webhooks/promptfoo. */
export function createHonoApp({ secret, onEvent = () => {}, logger = console }: HonoAppOptions): Hono<{ Bindings: Bindings }> {
  // README:begin hono
  const app = new Hono<{ Bindings: Bindings }>();
  app.post('/webhooks/promptfoo', createFetchHandler(secret, { toleranceSeconds: 300, onEvent, logger }));
  // README:end
  return app;
}
