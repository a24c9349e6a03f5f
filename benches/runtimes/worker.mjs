// The runtimes benchmark in workerd. workerd freezes its clocks while code
// runs, so the client times each request; a request runs one contender
// `k` times.
//   GET /list?size=N          the contenders: [{ name, op, baseline }]
//   GET /run?size=N&name=X&k=K  runs contender X K times; 200 when every delivery verified
//   GET /gc                   collects garbage (workerd runs with --expose-gc), so one batch's garbage is not the next one's cost
import * as pkg from 'promptfoo-webhooks';
import { contenders, runBatch } from './contenders.mjs';

const bySize = new Map();

function node() {
  const getBuiltinModule = globalThis.process?.getBuiltinModule;
  if (typeof getBuiltinModule !== 'function') return undefined;
  return { crypto: getBuiltinModule('node:crypto'), Buffer: getBuiltinModule('node:buffer').Buffer };
}

async function listFor(size) {
  if (!bySize.has(size)) {
    const runtime = node();
    // With nodejs_compat the hand-written baseline is still WebCrypto: it is the faster HMAC in workerd.
    bySize.set(size, await contenders({ pkg, node: runtime, subtle: crypto.subtle, best: 'WebCrypto', size }));
  }
  return bySize.get(size);
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/gc') {
      globalThis.gc?.();
      return new Response(typeof globalThis.gc);
    }
    const size = Number(url.searchParams.get('size'));
    const list = await listFor(size);
    if (url.pathname === '/list') return Response.json(list.map(({ name, op, baseline }) => ({ name, op, baseline })));
    const contender = list.find((c) => c.name === url.searchParams.get('name'));
    if (contender === undefined) return new Response('no such contender', { status: 404 });
    try {
      await runBatch(contender, Number(url.searchParams.get('k')));
      return new Response('ok');
    } catch (error) {
      return new Response(String(error?.stack ?? error), { status: 500 });
    }
  },
};
