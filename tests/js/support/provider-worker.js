// The Worker of tests/js/workerd-providers.test.mjs: a Webhook in workerd,
// run with and without the nodejs_compat flag. With it, the runtime offers
// process.getBuiltinModule, and the synchronous surfaces hash bodies of
// 512 B and more with node:crypto; without it, with the wasm HMAC. The
// asynchronous surfaces verify with WebCrypto either way.
//   GET  /runtime            what the runtime offers, and how often WebCrypto verified
//   POST /?via=verify        webhook.verify(text, X-Promptfoo-Signature)
//   POST /?via=request       webhook.verifyRequest(request)
//   POST /?via=async         verifySignatureAsync(text, signature, secret): { valid }
//   POST /lookalike?via=...  the same with the signature rewritten to
//                            characters whose low byte only is hex (HTTP
//                            headers cannot carry them, a caller's string can)
import { verifySignatureAsync, Webhook } from 'promptfoo-webhooks';

let webhook;

// Counts WebCrypto's HMAC verifications, so the test can tell the
// asynchronous surfaces used it (the package calls crypto.subtle.verify at
// each delivery).
let subtleVerifies = 0;
const subtleVerify = crypto.subtle.verify.bind(crypto.subtle);
crypto.subtle.verify = (...args) => {
  subtleVerifies += 1;
  return subtleVerify(...args);
};

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/runtime') {
      return Response.json({ getBuiltinModule: typeof globalThis.process?.getBuiltinModule === 'function', subtleVerifies });
    }
    webhook ??= new Webhook(env.PROMPTFOO_WEBHOOK_SECRET);
    const via = url.searchParams.get('via') ?? 'verify';
    try {
      if (via === 'request') return Response.json({ received: (await webhook.verifyRequest(request)).event });
      const body = await request.text();
      let signature = request.headers.get('x-promptfoo-signature') ?? undefined;
      if (url.pathname === '/lookalike') signature = [...signature].map((c) => String.fromCharCode(c.charCodeAt(0) + 0x100)).join('');
      if (via === 'async') return Response.json({ valid: await verifySignatureAsync(body, signature, env.PROMPTFOO_WEBHOOK_SECRET) });
      return Response.json({ received: webhook.verify(body, signature).event });
    } catch (error) {
      return Response.json({ error: error.code }, { status: 400 });
    }
  },
};
