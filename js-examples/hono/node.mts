// The Hono receiver on Node, through @hono/node-server.
//
//   PROMPTFOO_WEBHOOK_SECRET=<secret> PORT=3000 node hono/node.mjs
//
// The package's examples/ holds this recipe in TypeScript and in the
// JavaScript it strips to (built into target/js-examples/ in the repository).
//
// On Node the secret is read once, when the app is built: an unset one is
// an invalid_secret error at start-up, not a lost first delivery.
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { pathToFileURL } from 'node:url';
import { createHonoApp, type HonoAppOptions } from './app.mjs';
import type { Secrets } from 'promptfoo-webhooks';

export interface HonoReceiverOptions extends HonoAppOptions<Secrets> {
  port?: number;
  /** A parent app to mount the receiver in (to put middleware before it). */
  app?: Hono;
}

/** Starts the receiver and resolves once it listens: `{ url, close() }`. */
export async function startHonoReceiver({ port = 0, app: parent, ...options }: HonoReceiverOptions) {
  const receiver = createHonoApp(options);
  const app = parent ? parent.route('/', receiver) : receiver;
  const { server, listening } = await new Promise<{ server: ServerType; listening: number }>((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, (info) => resolve({ server, listening: info.port }));
  });
  return {
    url: `http://127.0.0.1:${listening}/webhooks/promptfoo`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        if ('closeAllConnections' in server) server.closeAllConnections(); // HTTP/1 (serve's default); an HTTP/2 server has none
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
