// A Promptfoo webhook receiver as a Next.js App Router route handler
// (app/webhooks/promptfoo/route.ts). Next hands a route handler the Web
// Request and sends the Response it returns: createFetchHandler is exactly
// that. The body is read here, raw and bounded, never parsed by Next first.
//
// `next build` loads route modules to collect page data, usually without
// the runtime's secrets, so the secret is a function, read on the first
// delivery; instrumentation.ts checks it when the server starts.
// README:begin nextjs
import { createFetchHandler } from 'promptfoo-webhooks';

// node:crypto hashes the larger bodies on the Node.js runtime; the Edge
// runtime works too, hashing in wasm.
export const runtime = 'nodejs';

export const POST = createFetchHandler(() => process.env.PROMPTFOO_WEBHOOK_SECRET, {
  toleranceSeconds: 300,
  onEvent: (event) => {
    // Verified and typed: queue it, store it, notify someone...
    console.log(`promptfoo webhook: ${event.event}`);
  },
});
// README:end
