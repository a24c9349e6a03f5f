// A Promptfoo webhook receiver on Fastify 5.
//
//   PROMPTFOO_WEBHOOK_SECRET=<secret> PORT=3000 node fastify-receiver.mjs
//
// The package's examples/ holds this recipe in TypeScript and in the
// JavaScript it strips to (built into target/js-examples/ in the repository).
//
// Fastify parses JSON bodies before a route sees them, and the signature
// covers the raw bytes. So the webhook route lives in its own scope whose
// content-type parser keeps the bytes (a Buffer), and the package's Node
// middleware answers on Fastify's raw request and response. Without that
// parser, Fastify's JSON parser runs first: the middleware then answers 500
// parsed_body_mismatch, logs it, and its hint names the fix.
import Fastify, { type FastifyBodyParser } from 'fastify';
import { pathToFileURL } from 'node:url';
import { createNodeMiddleware, type AdapterOptions, type EventHandler, type Secrets, type VerifiedEvent } from 'promptfoo-webhooks';

export interface ReceiverOptions {
  secret: Secrets;
  port?: number;
  onEvent?: EventHandler<VerifiedEvent>;
  logger?: AdapterOptions['logger'];
}

/** Starts the receiver and resolves once it listens: `{ url, close() }`. */
export async function startFastifyReceiver({ secret, port = 0, onEvent = () => {}, logger = console }: ReceiverOptions) {
  const app = Fastify();
  // README:begin fastify
  const receive = createNodeMiddleware(secret, { toleranceSeconds: 300, onEvent, logger });
  await app.register(async (webhook) => {
    // This scope's parser keeps the bytes; the rest of the app keeps Fastify's JSON parser.
    const keepBytes: FastifyBodyParser<Buffer> = (request, body, done) => done(null, body);
  webhook.addContentTypeParser('application/json', { parseAs: 'buffer' }, keepBytes);
  webhook.addContentTypeParser(/^application\/[\w.+-]+\+json$/, { parseAs: 'buffer' }, keepBytes);
    webhook.post('/webhooks/promptfoo', async (request, reply) => {
      reply.hijack(); // the middleware writes the answer itself
      Object.assign(request.raw, { body: request.body }); // the raw bytes, for the middleware
      await receive(request.raw, reply.raw);
    });
  });
  // README:end
  const url = await app.listen({ port, host: '127.0.0.1' });
  return { url: `${url}/webhooks/promptfoo`, close: () => app.close() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await startFastifyReceiver({
    secret: process.env.PROMPTFOO_WEBHOOK_SECRET,
    port: Number(process.env.PORT ?? 3000),
    onEvent: (event) => console.log(event.event, event.timestamp),
  });
  console.log(`Listening on ${url}`);
}
