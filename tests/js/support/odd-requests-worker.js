// The Worker of tests/js/odd-requests.test.mjs: createFetchHandler made as
// the README's Workers snippet makes it (the secret from env), with the
// `path` the text binding PATH gives (none when it is empty), and called
// once per request as `export default { fetch: handler }` would call it.
// A handler promise that rejects, or that settles with something other
// than a Response, is answered with the header x-odd-requests-fault
// (workerd would answer 500 for it on its own, indistinguishable from a
// 500 the handler chose): the test fails on it.
import { createFetchHandler } from 'promptfoo-webhooks';

let handler;

export default {
  async fetch(request, env, ctx) {
    handler ??= createFetchHandler((e) => e.PROMPTFOO_WEBHOOK_SECRET, env.PATH === '' ? {} : { path: env.PATH });
    let response;
    try {
      response = await handler(request, env, ctx);
    } catch (error) {
      return fault(`rejected: ${error?.name}: ${error?.message}`);
    }
    return response instanceof Response ? response : fault(`settled with ${Object.prototype.toString.call(response)}`);
  },
};

function fault(what) {
  return new Response(what, { status: 500, headers: { 'x-odd-requests-fault': encodeURIComponent(what).slice(0, 500) } });
}
