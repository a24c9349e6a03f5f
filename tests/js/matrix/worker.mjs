// The matrix peer as a Cloudflare Worker, served by real workerd:
//   POST /build    vectors as JSON lines -> signed deliveries as JSON lines
//   POST /verify   deliveries as JSON lines -> one result each as JSON lines
// Bundled like any Worker: 'promptfoo-webhooks' resolves through the
// package's "workerd" export condition.
import * as lib from 'promptfoo-webhooks';
import { runPeer } from './peer-core.mjs';

export default {
  async fetch(request) {
    const mode = new URL(request.url).pathname.slice(1);
    if (request.method !== 'POST' || (mode !== 'build' && mode !== 'verify')) {
      return new Response('POST /build or /verify\n', { status: 404 });
    }
    try {
      return new Response(runPeer(lib, mode, await request.text()), { headers: { 'content-type': 'application/x-ndjson' } });
    } catch (error) {
      return new Response(`${error?.stack ?? error}\n`, { status: 500 });
    }
  },
};
