// The Worker of tests/js/chunked-workerd.test.mjs: bodies without a
// Content-Length read by the package in workerd, whose Request bodies are
// byte streams read with readAtLeast. `limit` is maxBodyBytes, and the
// body must arrive within 300 ms (bodyTimeoutMs).
//   POST /verify?limit=N             webhook.verifyRequest(request): { event } or { code, message }
//   POST /handler?limit=N            createFetchHandler's answer
//   POST /rebuilt?limit=N&chunk=M&type=bytes|default
//                                    the body read here, then verified from a Request built
//                                    in the Worker without Content-Length, its body a stream
//                                    of M-byte chunks of that type (a caller's own stream)
//   GET  /reads                      how many readAtLeast calls the Worker has made
import { createFetchHandler, Webhook } from 'promptfoo-webhooks';

const BODY_TIMEOUT_MS = 300;

// Counts readAtLeast calls, so the test can tell which reader took a body.
let readsAtLeast = 0;
const readAtLeast = ReadableStreamBYOBReader.prototype.readAtLeast;
ReadableStreamBYOBReader.prototype.readAtLeast = function countedReadAtLeast(...args) {
  readsAtLeast += 1;
  return readAtLeast.apply(this, args);
};

const webhooks = new Map();
const handlers = new Map();

function webhookFor(secret, limit) {
  if (!webhooks.has(limit)) webhooks.set(limit, new Webhook(secret, { maxBodyBytes: limit, bodyTimeoutMs: BODY_TIMEOUT_MS }));
  return webhooks.get(limit);
}

function handlerFor(secret, limit) {
  if (!handlers.has(limit)) {
    handlers.set(limit, createFetchHandler(secret, { maxBodyBytes: limit, bodyTimeoutMs: BODY_TIMEOUT_MS, logger: false }));
  }
  return handlers.get(limit);
}

/** `bytes` as a stream of `chunk`-byte pieces: a byte stream when `type` is 'bytes', else a default one. */
function streamOf(bytes, chunk, type) {
  let offset = 0;
  return new ReadableStream({
    type: type === 'bytes' ? 'bytes' : undefined,
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        controller.byobRequest?.respond(0); // a byte source ends a pending read so
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

async function verified(webhook, request) {
  try {
    return Response.json({ event: (await webhook.verifyRequest(request)).event });
  } catch (error) {
    return Response.json({ code: error.code, message: error.message });
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/reads') return Response.json({ readsAtLeast });
    const secret = env.PROMPTFOO_WEBHOOK_SECRET;
    const limit = Number(url.searchParams.get('limit'));
    if (url.pathname === '/verify') return verified(webhookFor(secret, limit), request);
    if (url.pathname === '/handler') return handlerFor(secret, limit)(request);
    if (url.pathname === '/rebuilt') {
      const bytes = new Uint8Array(await request.arrayBuffer());
      const body = streamOf(bytes, Number(url.searchParams.get('chunk')), url.searchParams.get('type'));
      const headers = { 'content-type': 'application/json', 'x-promptfoo-signature': request.headers.get('x-promptfoo-signature') };
      return verified(webhookFor(secret, limit), new Request('http://worker.test/hook', { method: 'POST', body, headers }));
    }
    return new Response('not found', { status: 404 });
  },
};
