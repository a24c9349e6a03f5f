// Recipe: Hono on Node and on Workers (js-examples/hono/).
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { createFetchHandler } from 'promptfoo-webhooks';

// On Node: the secret read once, when the app is built.
const app = new Hono();
app.post('/webhooks/promptfoo', createFetchHandler(process.env.PROMPTFOO_WEBHOOK_SECRET, { toleranceSeconds: 300 }));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });

// On Workers: the secret from env, per request.
type Bindings = { PROMPTFOO_WEBHOOK_SECRET: string };
const worker = new Hono<{ Bindings: Bindings }>();
worker.post('/webhooks/promptfoo', createFetchHandler((env: Bindings) => env.PROMPTFOO_WEBHOOK_SECRET, { toleranceSeconds: 300 }));
worker.post('/raw', (c) => createFetchHandler(c.env.PROMPTFOO_WEBHOOK_SECRET)(c.req.raw, c.env, c.executionCtx));
export default worker;
