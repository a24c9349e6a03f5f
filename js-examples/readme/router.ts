// User guide "Routing events, and the HTTP adapters": one Webhooks router
// behind node:http (PORT), Express (EXPRESS_PORT) and a Fetch API handler
// (FETCH_PORT, served here by @hono/node-server with process.env as the
// Worker's env).
import express from 'express';
import { serve } from '@hono/node-server';
import type { EventName, Issue } from 'promptfoo-webhooks';
const app = express();

// README:begin router
import http from 'node:http';
import { Webhooks, createNodeMiddleware, createFetchHandler } from 'promptfoo-webhooks';

const webhooks = new Webhooks({ secret: [process.env.PROMPTFOO_WEBHOOK_SECRET], toleranceSeconds: 300 })
  .on('issue.created', (e) => page(e.data.issue), { severity: ['critical', 'high'] })
  .on(['issue.updated', 'issue.status_changed'], (e) => closeTicket(e.data.issue), { change: 'status changed to fixed' })
  .onAny((e) => audit(e.event)) // unknown event names too
  .onError((error) => console.error(error.errors)); // a WebhookHandlerError

// node:http, or Express 5 (mount it before express.json(), or pass allowParsedBody with a secret)
http.createServer(createNodeMiddleware(webhooks, { path: '/webhooks/promptfoo' })).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
app.post('/webhooks/promptfoo', createNodeMiddleware(webhooks));

// Cloudflare Workers: the secret comes from env, read once per isolate; with
// ctx.waitUntil the 200 goes out before the handlers finish
interface Env {
  PROMPTFOO_WEBHOOK_SECRET: string;
}
const handler = createFetchHandler((env: Env) => env.PROMPTFOO_WEBHOOK_SECRET, { toleranceSeconds: 300, onEvent: (e) => console.log(e.event) });
export default { fetch: handler };
// Hono: app.post('/hook', handler) | Next.js: export const POST = handler | Deno.serve(handler) | Bun.serve({ fetch: handler })
// README:end

// What the handlers do here: one JSON line each on stdout, for the test.
function page(issue: Issue) {
  if (issue.id === 'throws') throw new Error('pager down');
  console.log(JSON.stringify({ page: issue.id }));
}
function closeTicket(issue: Issue) {
  console.log(JSON.stringify({ closeTicket: issue.id }));
}
function audit(name: EventName) {
  console.log(JSON.stringify({ audit: name }));
}

app.listen(Number(process.env.EXPRESS_PORT), '127.0.0.1');
serve({ fetch: (request) => handler(request, { PROMPTFOO_WEBHOOK_SECRET: process.env.PROMPTFOO_WEBHOOK_SECRET ?? '' }), port: Number(process.env.FETCH_PORT), hostname: '127.0.0.1' });
