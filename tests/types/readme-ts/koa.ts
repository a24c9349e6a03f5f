// Recipe: Koa 3 (js-examples/koa-receiver.mjs).
import Koa from 'koa';
import { createNodeMiddleware, type VerifiedEvent } from 'promptfoo-webhooks';

declare const secret: string | undefined;
declare function onEvent(event: VerifiedEvent): void;
declare const logger: { error(...args: unknown[]): void };
const app = new Koa();

const receive = createNodeMiddleware(secret, { toleranceSeconds: 300, onEvent, logger });
app.use(async (ctx, next) => {
  if (ctx.path !== '/webhooks/promptfoo') return next();
  ctx.respond = false; // the middleware writes the answer itself
  const parsed: unknown = (ctx.request as { body?: unknown }).body;
  if (parsed !== undefined) Object.assign(ctx.req, { body: parsed }); // a body parser ran first: diagnosed, 500
  await receive(ctx.req, ctx.res);
});
