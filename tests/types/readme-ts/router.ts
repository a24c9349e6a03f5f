import http from 'node:http';
import express from 'express';
import { Webhooks, createNodeMiddleware, createFetchHandler, type Issue, type EventName } from 'promptfoo-webhooks';

declare function page(issue: Issue): void;
declare function closeTicket(issue: Issue): void;
declare function audit(name: EventName): void;
const app = express();

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
