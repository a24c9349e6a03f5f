// Recipe: a Next.js App Router route handler (app/webhooks/promptfoo/route.ts).
import { createFetchHandler } from 'promptfoo-webhooks';

export const runtime = 'nodejs';

export const POST = createFetchHandler(() => process.env.PROMPTFOO_WEBHOOK_SECRET, {
  toleranceSeconds: 300,
  onEvent: (event) => {
    // Verified and typed: queue it, store it, notify someone...
    console.log(`promptfoo webhook: ${event.event}`);
  },
});

// Next calls it with the Request and a context holding the route's params.
declare const request: Request;
const response: Response = await POST(request, { params: Promise.resolve({}) });
console.log(response.status);
