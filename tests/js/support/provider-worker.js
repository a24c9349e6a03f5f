// The Worker of tests/js/workerd-providers.test.mjs: a Webhook in workerd,
// run with and without the nodejs_compat flag. With it, the runtime offers
// process.getBuiltinModule, and the package hashes bodies of 512 B and more
// with node:crypto; without it, with the wasm HMAC.
//   GET  /runtime     what the runtime offers
//   POST /            verify the body with its X-Promptfoo-Signature
//   POST /lookalike   verify the body with its signature rewritten to
//                     characters whose low byte only is hex (HTTP headers
//                     cannot carry them, a caller's string can)
import { Webhook } from 'promptfoo-webhooks';

let webhook;

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === '/runtime') {
      return Response.json({ getBuiltinModule: typeof globalThis.process?.getBuiltinModule === 'function' });
    }
    webhook ??= new Webhook(env.PROMPTFOO_WEBHOOK_SECRET);
    const body = await request.text();
    let signature = request.headers.get('x-promptfoo-signature') ?? undefined;
    if (pathname === '/lookalike') signature = [...signature].map((c) => String.fromCharCode(c.charCodeAt(0) + 0x100)).join('');
    try {
      return Response.json({ received: webhook.verify(body, signature).event });
    } catch (error) {
      return Response.json({ error: error.code }, { status: 400 });
    }
  },
};
