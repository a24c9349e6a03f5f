// What a benchmark Worker serves (benches/runtimes/worker.mjs and
// benches/workerd-steps/worker.mjs). workerd freezes its clocks while code
// runs, so the client times each request; a request runs one contender
// `k` times.
//   GET /list?size=N            the contenders: [{ name, op?, baseline? }]
//   GET /run?size=N&name=X&k=K  runs contender X K times; 200 when every delivery verified
//   GET /gc                     collects garbage (workerd runs with --expose-gc), so one batch's garbage is not the next one's cost
import { runBatch } from './contenders.mjs';

/** The Worker's `{ fetch }` for `listFor(size)`, which resolves to the contenders for bodies of that size. */
export function benchRoutes(listFor) {
  return {
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === '/gc') {
        globalThis.gc?.();
        return new Response(typeof globalThis.gc);
      }
      const list = await listFor(Number(url.searchParams.get('size')));
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
}
