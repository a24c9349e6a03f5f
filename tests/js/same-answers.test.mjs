// One request flow: the same good and bad deliveries go, over real HTTP on
// 127.0.0.1, to every receiver the project ships, and each must answer with
// the same status and error code:
//   - createNodeMiddleware on node:http;
//   - createFetchHandler (a node:http server turning each request into a Request);
//   - the CLI's `serve` (a child process);
//   - the Rust hyper example (examples/hyper_receiver.rs).
// Every one reads its statuses from the wire contract, so they can only
// disagree if one of them grew its own rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  createFetchHandler,
  createNodeMiddleware,
  DEFAULT_MAX_BODY_BYTES,
  EVENT_NAMES,
  generateSecret,
  sampleEvent,
  sign,
  signPayload,
  SIGNATURE_HEADER,
  STATUS_BY_CODE,
} from 'promptfoo-webhooks';
import { startRustReceiver } from './support/rust-receiver.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = generateSecret();
const OLD_SECRET = generateSecret();
const WINDOW_SECONDS = 300;

const receivers = []; // { name, url, stop() }

/** A node:http server around `handler(req, res)`. */
async function listen(name, handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { name, url: `http://127.0.0.1:${server.address().port}/`, stop: () => new Promise((resolve) => server.close(resolve)) };
}

/** The CLI's serve on a free port, once it listens. */
async function startServe() {
  const child = spawn(
    process.execPath,
    ['pkg/bin/promptfoo-webhooks.js', 'serve', '--port', '0', '--secret', SECRET, '--secret', OLD_SECRET, '--tolerance', String(WINDOW_SECONDS)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const match = /Listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const exited = new Promise((resolve) => child.once('close', resolve));
  return { name: 'CLI serve', url, stop: () => (child.kill('SIGINT'), exited) };
}

before(async () => {
  const options = { toleranceSeconds: WINDOW_SECONDS, logger: false };
  const middleware = createNodeMiddleware([SECRET, OLD_SECRET], options);
  const handler = createFetchHandler([SECRET, OLD_SECRET], options);
  receivers.push(
    await listen('createNodeMiddleware', (req, res) => middleware(req, res)),
    await listen('createFetchHandler', async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const headers = Object.entries(req.headers).flatMap(([name, value]) => [value].flat().map((v) => [name, v]));
      const response = await handler(
        new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
    }),
    await startServe(),
    {
      name: 'Rust hyper example',
      ...(await startRustReceiver({ PROMPTFOO_WEBHOOK_SECRET: `${SECRET},${OLD_SECRET}`, PROMPTFOO_WEBHOOK_TOLERANCE: String(WINDOW_SECONDS) })),
    },
  );
});

after(async () => {
  await Promise.all(receivers.map((receiver) => receiver.stop()));
});

/** Every kind of delivery: [label, request init, expected code (undefined: accepted)]. */
function deliveries() {
  const now = Date.now();
  const stamped = (name, offset = 0) => sampleEvent(name, { timestamp: new Date(now + offset).toISOString() });
  const created = stamped('issue.created');
  const good = signPayload(created, SECRET);
  const json = { 'Content-Type': 'application/json' };
  const post = ({ body, headers }) => ({ method: 'POST', body, headers });
  const withSignature = (value) => ({ method: 'POST', body: good.body, headers: value === undefined ? json : { ...json, [SIGNATURE_HEADER]: value } });
  const signed = (text) => post({ body: text, headers: { ...json, [SIGNATURE_HEADER]: sign(text, SECRET) } });
  const ofSize = (size) => {
    const base = JSON.stringify({ ...created, data: { ...created.data, eventData: { pad: '' } } });
    const text = base.replace('"pad":""', `"pad":"${'x'.repeat(size - base.length)}"`);
    return signed(text);
  };
  // A 2 KB body takes the native HMAC path: a header byte that is not hex must not get through there.
  const large = ofSize(2048);
  const nonHex = `\u00ff${large.headers[SIGNATURE_HEADER].slice(1)}`;
  return [
    ...EVENT_NAMES.map((name) => [`sample ${name}`, post(signPayload(stamped(name), SECRET))]),
    ['an event this version does not know', signed(JSON.stringify({ event: 'issue.archived', timestamp: created.timestamp, data: { issueId: 'i' } }))],
    ['signed with the previous secret', post(signPayload(created, OLD_SECRET))],
    ['upper-case signature', withSignature(good.headers[SIGNATURE_HEADER].toUpperCase())],
    ['blanks around the signature', withSignature(` ${good.headers[SIGNATURE_HEADER]}\t`)],
    ['application/*+json', post({ body: good.body, headers: { ...good.headers, 'Content-Type': 'application/vnd.promptfoo+json; charset=utf-8' } })],
    ['missing signature', withSignature(undefined), 'missing_signature'],
    ['malformed signature', withSignature('abc'), 'malformed_signature'],
    ['sha256= prefix', withSignature(`sha256=${good.headers[SIGNATURE_HEADER]}`), 'malformed_signature'],
    ['a non-hex byte in the signature of a 2 KB body', { ...large, headers: { ...large.headers, [SIGNATURE_HEADER]: nonHex } }, 'malformed_signature'],
    ['wrong secret', post(signPayload(created, generateSecret())), 'signature_mismatch'],
    ['tampered body', { ...withSignature(good.headers[SIGNATURE_HEADER]), body: good.body.replace('"high"', '"low"') }, 'signature_mismatch'],
    ['stale timestamp', post(signPayload(stamped('issue.created', -3600_000), SECRET)), 'timestamp_outside_window'],
    ['future timestamp', post(signPayload(stamped('issue.created', 3600_000), SECRET)), 'timestamp_outside_window'],
    ['not JSON', signed('{"event":'), 'invalid_json'],
    ['not a webhook payload', signed('{"hello":"world"}'), 'invalid_payload'],
    ['issue.created without data.issue.id', signed(JSON.stringify({ ...created, data: { issue: {} } })), 'invalid_payload'],
    ['empty body, signed', signed(''), 'invalid_json'],
    ['exactly at the limit', ofSize(DEFAULT_MAX_BODY_BYTES)],
    ['one byte over the limit', ofSize(DEFAULT_MAX_BODY_BYTES + 1), 'body_too_large'],
    ['text/plain', post({ body: good.body, headers: { ...good.headers, 'Content-Type': 'text/plain' } }), 'unsupported_media_type'],
    ['no Content-Type', post({ body: new TextEncoder().encode(good.body), headers: { [SIGNATURE_HEADER]: good.headers[SIGNATURE_HEADER] } }), 'unsupported_media_type'],
    ['GET', { method: 'GET' }, 'method_not_allowed'],
    ['PUT', { ...post(good), method: 'PUT' }, 'method_not_allowed'],
  ];
}

test('every receiver answers every delivery with the same status and error code', async () => {
  assert.equal(receivers.length, 4);
  const codesSeen = new Set();
  for (const [label, init, expected] of deliveries()) {
    const answers = await Promise.all(
      receivers.map(async ({ name, url }) => {
        let response;
        try {
          response = await fetch(url, init);
        } catch (error) {
          assert.fail(`${label}: ${name}: ${error.cause?.code ?? error.message}`);
        }
        const body = await response.json();
        return { name, status: response.status, code: body.error };
      }),
    );
    for (const { name, status, code } of answers) {
      assert.equal(code, expected, `${label}: ${name} answered ${status} ${code}`);
      assert.equal(status, expected === undefined ? 200 : STATUS_BY_CODE[expected], `${label}: ${name}`);
    }
    codesSeen.add(expected);
  }
  // The comparison spans acceptance and every code a delivery can meet before a handler runs.
  assert.deepEqual(
    [...codesSeen].sort(),
    [
      'body_too_large',
      'invalid_json',
      'invalid_payload',
      'malformed_signature',
      'method_not_allowed',
      'missing_signature',
      'signature_mismatch',
      'timestamp_outside_window',
      'unsupported_media_type',
      undefined,
    ],
  );
});
