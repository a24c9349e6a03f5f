// The Worker of tests/js/fetch-handler-workerd.test.mjs: the package's
// createFetchHandler over a Webhooks router, as a Workers user writes it.
// Handlers run inside ctx.waitUntil, so a slow one still gets its 200 out
// first; GET /log shows what the handlers finished (test-only route).
import { createFetchHandler, Webhooks } from 'promptfoo-webhooks';

const HANDLER_DELAY_MS = 1500;
const finished = []; // per isolate, which is all the test needs

const webhooks = new Webhooks({ secret: (env) => env.PROMPTFOO_WEBHOOK_SECRET, maxBodyBytes: 64 * 1024 })
  .on('issue.created', async (event) => {
    await new Promise((resolve) => setTimeout(resolve, HANDLER_DELAY_MS));
    finished.push({ event: event.event, id: event.data.issue.id, at: Date.now() });
  })
  .on(['issue.updated'], (event) => {
    finished.push({ event: event.event, changes: event.data.eventData.changes, at: Date.now() });
  }, { change: 'status changed to fixed' });

const handler = createFetchHandler(webhooks);

export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname === '/log') return Response.json(finished);
    return handler(request, env, ctx);
  },
};
