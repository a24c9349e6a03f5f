// The Hono receiver on Node, through @hono/node-server.
//
//   PROMPTFOO_WEBHOOK_SECRET=<secret> PORT=3000 node js-examples/hono/node.mjs
//
// On Node the secret is read once, when the app is built: an unset one is
// an invalid_secret error at start-up, not a lost first delivery.
import { serve } from '@hono/node-server';
import { pathToFileURL } from 'node:url';
import { createHonoApp } from './app.mjs';

/**
 * Starts the receiver and resolves once it listens: `{ url, close() }`.
 * @param {Parameters<typeof createHonoApp>[0] & { port?: number, app?: import('hono').Hono }} options
 *   `app`: a parent app to mount the receiver in (to put middleware before it).
 */
export async function startHonoReceiver({ port = 0, app: parent, ...options }) {
  const receiver = createHonoApp(options);
  const app = parent ? parent.route('/', receiver) : receiver;
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/webhooks/promptfoo`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await startHonoReceiver({
    secret: process.env.PROMPTFOO_WEBHOOK_SECRET,
    port: Number(process.env.PORT ?? 3000),
    onEvent: (event) => console.log(event.event, event.timestamp),
  });
  console.log(`Listening on ${url}`);
}
