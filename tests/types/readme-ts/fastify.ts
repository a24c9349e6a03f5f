// Recipe: Fastify 5 (js-examples/fastify-receiver.mjs).
import Fastify, { type FastifyBodyParser } from 'fastify';
import { createNodeMiddleware, type VerifiedEvent } from 'promptfoo-webhooks';

declare const secret: string | undefined;
declare function onEvent(event: VerifiedEvent): void;
declare const logger: { error(...args: unknown[]): void };
const app = Fastify();

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
