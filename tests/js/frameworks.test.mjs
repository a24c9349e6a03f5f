// The framework recipes, as the build strips them from their TypeScript in
// js-examples/ to target/js-examples/, on the real frameworks over HTTP
// (Fastify 5, Koa 3, Express 4 and 5, Hono on Node and in real workerd): good and bad deliveries get the
// package's statuses and codes, and the usual mistake (the framework's JSON
// parser ran first) is a 500 parsed_body_mismatch that is logged and names
// the fix. Next.js has a suite of its own (nextjs.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { Hono } from 'hono';
import express5 from 'express';
import express4 from 'express4';
// Next.js's own resolver of pages/api routes, which parses their bodies unless config.api.bodyParser is false.
import nextApiResolver from 'next/dist/server/api-utils/node/api-resolver.js';
import { createNodeMiddleware, generateSecret, sampleEvent, sign, signPayload, SIGNATURE_HEADER } from 'promptfoo-webhooks';
import { startFastifyReceiver } from '../../target/js-examples/fastify-receiver.mjs';
import { startKoaReceiver } from '../../target/js-examples/koa-receiver.mjs';
import { startHonoReceiver } from '../../target/js-examples/hono/node.mjs';
import { bundleWorker, freePort, startWorkerd, workerdConfig } from './support/workerd.mjs';

const SECRET = generateSecret();

/** Every delivery a recipe must answer: [label, request init, status, code (undefined: accepted)]. */
function deliveries() {
  const good = signPayload(sampleEvent('issue.created'), SECRET);
  const post = (body, headers) => ({ method: 'POST', body, headers });
  const stale = signPayload(sampleEvent('issue.created', { timestamp: new Date(Date.now() - 3600_000).toISOString() }), SECRET);
  return [
    ['valid', post(good.body, good.headers), 200, undefined],
    ['wrong secret', post(good.body, { ...good.headers, [SIGNATURE_HEADER]: sign(good.body, generateSecret()) }), 401, 'signature_mismatch'],
    ['no signature', post(good.body, { 'Content-Type': 'application/json' }), 401, 'missing_signature'],
    ['stale', post(stale.body, stale.headers), 400, 'timestamp_outside_window'],
    ['not JSON, signed', post('{"event":', { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: sign('{"event":', SECRET) }), 400, 'invalid_json'],
  ];
}

/** Posts every delivery to `url` and checks each answer. */
async function expectRecipeAnswers(url) {
  for (const [label, init, status, code] of deliveries()) {
    const response = await fetch(url, init);
    const body = await response.json();
    assert.equal(response.status, status, `${label}: ${JSON.stringify(body)}`);
    assert.equal(body.error, code, label);
  }
}

for (const [framework, start] of [
  ['Fastify 5', startFastifyReceiver],
  ['Koa 3', startKoaReceiver],
  ['Hono on Node', startHonoReceiver],
]) {
  test(`${framework}: the recipe answers every delivery with the package's status and code`, async () => {
    const events = [];
    const receiver = await start({ secret: SECRET, onEvent: (event) => events.push(event.event), logger: false });
    try {
      await expectRecipeAnswers(receiver.url);
      assert.deepEqual(events, ['issue.created']);
    } finally {
      await receiver.close();
    }
  });
}

/**
 * The usual mistake, a body parser first, on a receiver started by `start(logger)`:
 * a signed delivery gets a 500 parsed_body_mismatch whose message and hint
 * match, and exactly one logged line.
 */
async function expectDiagnosedMistake(start, { message, hint }) {
  const logged = [];
  const receiver = await start({ error: (...args) => logged.push(args) });
  try {
    const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
    const response = await fetch(receiver.url, { method: 'POST', body, headers });
    assert.equal(response.status, 500);
    const answer = await response.json();
    assert.equal(answer.error, 'parsed_body_mismatch');
    assert.match(answer.message, message);
    assert.match(answer.hint, hint);
    assert.equal(logged.length, 1);
  } finally {
    await receiver.close();
  }
}

// Each framework's mistake names that framework's fix, and no other's.
const FASTIFY_PARSER_FIRST = {
  message: /already parsed by a JSON body parser \(Fastify's JSON parser\)/,
  hint: /^Fastify's JSON parser ran before the webhook: .*addContentTypeParser\('application\/json', \{ parseAs: 'buffer' \}/,
};
const KOA_PARSER_FIRST = {
  message: /already parsed by a JSON body parser \(a Koa body parser\)/,
  hint: /^A Koa body parser \(koa-bodyparser, @koa\/bodyparser\) ran before the webhook: app\.use\(\) the webhook middleware before the parser/,
};

test('Fastify 5 with its own JSON parser left in place: 500 parsed_body_mismatch, logged, with the fix', async () => {
  await expectDiagnosedMistake(async (logger) => {
    // The recipe without its scoped content-type parser: Fastify parses the JSON first.
    const app = Fastify();
    const receive = createNodeMiddleware(SECRET, { logger });
    app.post('/webhooks/promptfoo', async (request, reply) => {
      reply.hijack();
      request.raw.body = request.body;
      await receive(request.raw, reply.raw);
    });
    return { url: `${await app.listen({ port: 0, host: '127.0.0.1' })}/webhooks/promptfoo`, close: () => app.close() };
  }, FASTIFY_PARSER_FIRST);
});

test('Koa 3 with a body parser mounted first: 500 parsed_body_mismatch, logged, with the fix', async () => {
  // koa-bodyparser's effect, without the dependency: the body read and parsed into ctx.request.body.
  const parseFirst = async (ctx, next) => {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    ctx.request.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    await next();
  };
  await expectDiagnosedMistake((logger) => startKoaReceiver({ secret: SECRET, before: [parseFirst], logger }), KOA_PARSER_FIRST);
});

test('Hono with a middleware that reads the body first: 500 parsed_body_mismatch, logged, with the fix', async () => {
  const app = new Hono();
  app.use('*', async (c, next) => {
    await c.req.json();
    await next();
  });
  await expectDiagnosedMistake((logger) => startHonoReceiver({ secret: SECRET, app, logger }), {
    message: /already read by other middleware/,
    hint: /^A Hono middleware read the request body before the webhook .*: register the webhook route before that middleware/,
  });
});

test('Next.js pages/api (its real API resolver) with its body parser on: 500 parsed_body_mismatch, logged, with its config fix', async () => {
  await expectDiagnosedMistake(async (logger) => {
    const receive = createNodeMiddleware(SECRET, { logger });
    const route = { default: (req, res) => receive(req, res) }; // pages/api/webhook.js, without `config`
    const server = createServer((req, res) => nextApiResolver.apiResolver(req, res, {}, route, {}, false, false, '/api/webhook'));
    return listenOn(server, '/api/webhook');
  }, {
    message: /already parsed by a JSON body parser \(Next\.js's API route body parser\)/,
    hint: /^Next\.js parsed the body of this API route \(pages\/api\): .*export const config = \{ api: \{ bodyParser: false \} \}/,
  });
});

test('node:http with a body parser of its own: 500 parsed_body_mismatch, logged, with a hint naming no framework', async () => {
  await expectDiagnosedMistake(async (logger) => {
    const receive = createNodeMiddleware(SECRET, { logger });
    const server = createServer(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      req.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      await receive(req, res);
    });
    return listenOn(server, '/webhooks/promptfoo');
  }, {
    message: /already parsed by a JSON body parser$/,
    hint: /^A body parser ran before the webhook \(req\.body is a parsed object\): run the webhook before any JSON body parser, or hand the middleware the raw bytes as req\.body/,
  });
});

/** `server` listening on 127.0.0.1: `{ url, close() }` with `path`. */
async function listenOn(server, path) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}${path}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('Hono on Node: an unset secret fails when the app is built, with invalid_secret', async () => {
  await assert.rejects(() => startHonoReceiver({ secret: process.env.PROMPTFOO_WEBHOOK_SECRET_NEVER_SET }), { code: 'invalid_secret' });
});

test('Hono in real workerd: the recipe Worker answers every delivery; the secret comes from env', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hono-workerd-'));
  let workerd;
  try {
    const { modules, packageEntry } = await bundleWorker(fileURLToPath(new URL('../../target/js-examples/hono/worker.mjs', import.meta.url)), dir);
    assert.equal(packageEntry, 'pkg/dist/workerd.js');
    const port = await freePort();
    writeFileSync(join(dir, 'config.capnp'), workerdConfig({ port, modules, bindings: { PROMPTFOO_WEBHOOK_SECRET: SECRET } }));
    workerd = await startWorkerd(dir, port);
    await expectRecipeAnswers(new URL('/webhooks/promptfoo', workerd.url));
  } finally {
    await workerd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- Express 4 and 5

/** Listens on 127.0.0.1: `{ url, close() }`. */
async function listen(app) {
  const server = createServer(app);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/webhooks/promptfoo`, close: () => new Promise((resolve) => server.close(resolve)) };
}

for (const [framework, express] of [
  ['Express 4', express4],
  ['Express 5', express5],
]) {
  test(`${framework}: the middleware as the route, and after express.raw(); express.json() first is the diagnosed mistake`, async () => {
    const events = [];
    const logged = [];
    const options = { toleranceSeconds: 300, onEvent: (event) => events.push(event.event), logger: { error: (...args) => logged.push(args) } };
    const app = express();
    app.post('/webhooks/promptfoo', createNodeMiddleware(SECRET, options));
    const rawApp = express();
    rawApp.post('/webhooks/promptfoo', express.raw({ type: 'application/json' }), createNodeMiddleware(SECRET, options));
    const jsonApp = express();
    jsonApp.use(express.json());
    jsonApp.post('/webhooks/promptfoo', createNodeMiddleware(SECRET, options));
    const servers = await Promise.all([app, rawApp, jsonApp].map(listen));
    try {
      for (const server of servers.slice(0, 2)) {
        for (const [label, init, status, code] of deliveries()) {
          const response = await fetch(server.url, init);
          const body = await response.json();
          assert.equal(response.status, status, `${label}: ${JSON.stringify(body)}`);
          assert.equal(body.error, code, label);
        }
      }
      assert.deepEqual(events, ['issue.created', 'issue.created']);
      const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
      const response = await fetch(servers[2].url, { method: 'POST', body, headers });
      assert.equal(response.status, 500);
      const answer = await response.json();
      assert.equal(answer.error, 'parsed_body_mismatch');
      assert.match(answer.message, /already parsed by a JSON body parser \(express\.json\(\) or body-parser\)/);
      assert.match(answer.hint, /before express\.json\(\)/);
      assert.equal(logged.length, 1);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });
}
