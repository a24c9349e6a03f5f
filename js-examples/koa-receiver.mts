// A Promptfoo webhook receiver on Koa 3.
//
//   PROMPTFOO_WEBHOOK_SECRET=<secret> PORT=3000 node koa-receiver.mjs
//
// The package's examples/ holds this recipe in TypeScript and in the
// JavaScript it strips to (built into target/js-examples/ in the repository).
//
// Koa leaves the body unread unless a body parser (koa-bodyparser) runs:
// mount the webhook before any, and let the package's Node middleware read
// and answer on Koa's raw request and response (ctx.respond = false). If a
// parser did run first and left ctx.request.body, the middleware answers 500
// parsed_body_mismatch, logs it, and its hint names the fix.
import Koa from 'koa';
import { pathToFileURL } from 'node:url';
import { createNodeMiddleware, type AdapterOptions, type EventHandler, type Secrets, type VerifiedEvent } from 'promptfoo-webhooks';

export interface KoaReceiverOptions {
  secret: Secrets;
  port?: number;
  /** Middleware mounted ahead of the webhook (to see the mistake of a body parser first). */
  before?: Koa.Middleware[];
  onEvent?: EventHandler<VerifiedEvent>;
  logger?: AdapterOptions['logger'];
}

/** Starts the receiver and resolves once it listens: `{ url, close() }`. */
export async function startKoaReceiver({ secret, port = 0, before = [], onEvent = () => {}, logger = console }: KoaReceiverOptions) {
  const app = new Koa();
  for (const middleware of before) app.use(middleware);
  // README:begin koa
  const receive = createNodeMiddleware(secret, { toleranceSeconds: 300, onEvent, logger });
  app.use(async (ctx, next) => {
    if (ctx.path !== '/webhooks/promptfoo') return next();
    ctx.respond = false; // the middleware writes the answer itself
    if ('body' in ctx.request) Object.assign(ctx.req, { body: ctx.request.body }); // a body parser ran first: diagnosed, 500
    await receive(ctx.req, ctx.res);
  });
  // README:end
  const server = app.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address(); // an AddressInfo once it listens on a port
  if (address === null || typeof address === 'string') throw new Error(`not listening on a port: ${address}`);
  return {
    url: `http://127.0.0.1:${address.port}/webhooks/promptfoo`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await startKoaReceiver({
    secret: process.env.PROMPTFOO_WEBHOOK_SECRET,
    port: Number(process.env.PORT ?? 3000),
    onEvent: (event) => console.log(event.event, event.timestamp),
  });
  console.log(`Listening on ${url}`);
}
