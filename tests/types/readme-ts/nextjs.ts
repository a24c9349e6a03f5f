// Recipe: a Next.js App Router route handler (app/webhooks/promptfoo/route.ts).
import { createFetchHandler } from 'promptfoo-webhooks';

export const runtime = 'nodejs';

export const POST = createFetchHandler(process.env.PROMPTFOO_WEBHOOK_SECRET, {
  toleranceSeconds: 300,
  onEvent: (event) => console.log(`promptfoo webhook: ${event.event}`),
});

// Next calls it with the Request alone.
declare const request: Request;
const response: Response = await POST(request);
console.log(response.status);
