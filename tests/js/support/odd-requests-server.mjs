// A receiver for tests/js/odd-requests.test.mjs, run as a child process so
// that a crash shows as this process exiting:
//
//   PROMPTFOO_WEBHOOK_SECRET=<secret> node odd-requests-server.mjs <surface>
//
// <surface> is one of SURFACES below, each mounted the way the README (or
// the recipe in js-examples/, as the build strips it to target/js-examples/)
// mounts the package. Prints `LISTENING <port> <path>` once it listens on
// 127.0.0.1, and FATAL_MARKER lines for an unhandled rejection or an
// uncaught exception: the test fails on those.
import { createServer } from 'node:http';
import express5 from 'express';
import express4 from 'express4';
import { createNodeMiddleware, Webhooks } from 'promptfoo-webhooks';
import { startFastifyReceiver } from '../../../target/js-examples/fastify-receiver.mjs';
import { startKoaReceiver } from '../../../target/js-examples/koa-receiver.mjs';

const FATAL_MARKER = 'ODD-REQUESTS-FATAL'; // the test looks for it
const PATH = '/webhooks/promptfoo'; // the recipes' path

// Registered first: a rejection nobody catches is reported (the test fails
// on it) rather than ending the process before the test can say which input did it.
process.on('unhandledRejection', (reason) => {
  console.error(`${FATAL_MARKER} unhandledRejection: ${reason?.stack ?? reason}`);
});
process.on('uncaughtException', (error) => {
  console.error(`${FATAL_MARKER} uncaughtException: ${error?.stack ?? error}`);
  process.exit(70);
});

const secret = process.env.PROMPTFOO_WEBHOOK_SECRET;
const onEvent = () => {};

/** Starts a node:http server around `listener`: its port. */
async function serveNode(listener) {
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}

const SURFACES = {
  // The README's quick start, and the same with a path.
  node: () => serveNode(createNodeMiddleware(secret, { onEvent })),
  'node-path': () => serveNode(createNodeMiddleware(secret, { onEvent, path: PATH })),
  // The README's router snippet: a Webhooks router behind node:http with a path.
  'node-router': () => serveNode(createNodeMiddleware(new Webhooks({ secret: [secret] }).onAny(onEvent), { path: PATH })),
  'express4-route': () => serveNode(express4().post(PATH, createNodeMiddleware(secret, { onEvent }))),
  'express4-use': () => serveNode(express4().use(createNodeMiddleware(secret, { onEvent, path: PATH }))),
  'express5-route': () => serveNode(express5().post(PATH, createNodeMiddleware(secret, { onEvent }))),
  'express5-use': () => serveNode(express5().use(createNodeMiddleware(secret, { onEvent, path: PATH }))),
  fastify: async () => new URL((await startFastifyReceiver({ secret, onEvent })).url).port,
  koa: async () => new URL((await startKoaReceiver({ secret, onEvent })).url).port,
};

const surface = SURFACES[process.argv[2]];
if (surface === undefined) throw new Error(`unknown surface ${process.argv[2]} (known: ${Object.keys(SURFACES).join(', ')})`);
console.log(`LISTENING ${await surface()} ${PATH}`);
