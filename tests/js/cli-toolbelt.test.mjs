// The integrator's toolbelt in the command line tool: `webhooks create |
// regenerate-secret | event-types` against a local stand-in of Promptfoo's
// management API, `sample`, and `send --set / --timestamp / --dry-run`,
// each run as a child process; the --dry-run curl command is run for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { verify } from 'promptfoo-webhooks';
import { assertUsageError, run, start } from './support/cli.mjs';
import { API_TOKEN, startManagementApi } from './support/management-api.mjs';

const SECRET = 'cli-toolbelt-secret-0123456789abcdef';
const API_ENV = (api) => ({ PROMPTFOO_API_URL: api.url, PROMPTFOO_API_TOKEN: API_TOKEN });

async function withApi(shape, body) {
  const api = await startManagementApi(shape);
  try {
    await body(api);
  } finally {
    await api.close();
  }
}

/** Exit 1 with the code on stderr; the token nowhere in the output. */
function assertRejected(result, pattern) {
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, pattern);
  assert.ok(!`${result.stdout}${result.stderr}`.includes(API_TOKEN), 'the token was printed');
}

// ---------------------------------------------------------------- webhooks

test('webhooks create: prints the id and the secret once; --json gives both; the body is the documented one', async () => {
  await withApi({}, async (api) => {
    const args = ['webhooks', 'create', '--url', 'https://siem.example.com/hook', '--name', 'SIEM', '--event', 'issue.created', '--event', 'issue.updated', '--team', 'team-7'];
    const result = await run(args, { env: API_ENV(api) });
    assert.equal(result.code, 0, result.stderr);
    const secret = api.webhooks.get('wh_1').secret;
    assert.match(result.stdout, /^Created webhook wh_1: SIEM -> https:\/\/siem\.example\.com\/hook$/m);
    assert.equal(result.stdout.split(secret).length, 2, 'the secret is printed exactly once');
    assert.ok(!result.stdout.includes(API_TOKEN));
    assert.deepEqual(api.requests[0].body, { url: 'https://siem.example.com/hook', name: 'SIEM', events: ['issue.created', 'issue.updated'], enabled: true, teamId: 'team-7' });
    assert.equal(api.requests[0].authorization, `Bearer ${API_TOKEN}`);

    const json = await run([...args.slice(0, -2), '--disabled', '--json', '--api-url', api.url, '--api-token', API_TOKEN]);
    assert.equal(json.code, 0, json.stderr);
    const printed = JSON.parse(json.stdout);
    assert.deepEqual(Object.keys(printed).sort(), ['id', 'secret', 'webhook']);
    assert.equal(printed.secret, api.webhooks.get(printed.id).secret);
    assert.equal(api.requests[1].body.enabled, false);
  });
});

test('webhooks create with an invalid config: exit 2 naming every problem, and no request sent', async () => {
  await withApi({}, async (api) => {
    const result = await run(['webhooks', 'create', '--url', 'ftp://x', '--name', ' ', '--event', 'issue.craeted'], { env: API_ENV(api) });
    assertUsageError(result, /^invalid_webhook_config: /);
    for (const path of ['\\$\\.url', '\\$\\.name', '\\$\\.events\\[0\\]']) assert.match(result.stderr, new RegExp(`^  ${path}: `, 'm'));
    assert.match(result.stderr, /did you mean "issue\.created"/);
    assert.equal(api.requests.length, 0);
  });
});

test('webhooks: no server or token is exit 2; a rejected token and a server error are exit 1 with the status; the token is never printed', async () => {
  const none = await run(['webhooks', 'event-types'], { env: { PROMPTFOO_API_URL: '', PROMPTFOO_API_TOKEN: '' } });
  assertUsageError(none, /^api_not_configured: .*PROMPTFOO_API_URL.*PROMPTFOO_API_TOKEN/m);
  await withApi({ echoToken: true }, async (api) => {
    const wrong = `${API_TOKEN}-revoked`;
    const result = await run(['webhooks', 'event-types', '--api-url', api.url, '--api-token', wrong]);
    assertRejected(result, /^api_request_rejected: .*answered 401 Unauthorized: Invalid API token/m);
    assert.ok(!result.stderr.includes(wrong));
  });
  await withApi({ failWith: 500 }, async (api) => {
    assertRejected(await run(['webhooks', 'regenerate-secret', 'wh_1'], { env: API_ENV(api) }), /answered 500 .*the database is down\nhint: /);
  });
  await withApi({ hang: true }, async (api) => {
    assertRejected(await run(['webhooks', 'event-types', '--timeout', '0.3'], { env: API_ENV(api) }), /^api_unreachable: .*no answer within 300 ms/m);
  });
});

// What a CLI user cannot pass: the client's option names.
const API_OPTION_WORDS = /timeoutMs|baseUrl|allowInsecureHttp|options\.|error\.status|EVENT_NAMES/;

test('webhooks: errors name the CLI flags (--api-url, --api-token, --timeout, --allow-insecure-http), never the API options', async () => {
  const cases = [
    [['webhooks', 'event-types'], { PROMPTFOO_API_URL: '', PROMPTFOO_API_TOKEN: '' }, /Pass --api-url and --api-token/],
    [['webhooks', 'event-types', '--api-url', 'http://promptfoo.example.com', '--api-token', API_TOKEN], {}, /unless you pass --allow-insecure-http/],
    [['webhooks', 'event-types', '--api-url', 'http://127.0.0.1:1', '--api-token', API_TOKEN], {}, /hint: Check --api-url and the network, or raise --timeout/],
  ];
  for (const [args, env, pattern] of cases) {
    const result = await run(args, { env });
    assert.match(result.stderr, pattern, args.join(' '));
    assert.doesNotMatch(result.stderr, API_OPTION_WORDS, args.join(' '));
  }
  await withApi({ failWith: 403 }, async (api) => {
    const result = await run(['webhooks', 'event-types'], { env: API_ENV(api) });
    assertRejected(result, /answered 403/);
    assert.doesNotMatch(result.stderr, API_OPTION_WORDS);
  });
  // Values the client would refuse with a TypeError: usage errors naming the flag, no stack.
  assertUsageError(await run(['webhooks', 'event-types', '--api-url', 'https://p.example.com', '--api-token', API_TOKEN, '--timeout', 'soon']), /^--timeout must be a positive number of seconds/);
  assertUsageError(await run(['webhooks', 'event-types', '--api-url', 'https://p.example.com', '--api-token', 'two words', '--timeout', '0']), /^--timeout must be/);
  assertUsageError(await run(['webhooks', 'event-types', '--api-url', 'https://p.example.com', '--api-token', 'two words']), /^--api-token must be a string of visible ASCII/);
});

test("webhooks against the integration document's server (POST /api/webhooks alone): create works, regenerate-secret and event-types say the endpoint is missing", async () => {
  await withApi({ documentOnly: true }, async (api) => {
    const created = await run(['webhooks', 'create', '--url', 'https://siem.example.com/hook', '--name', 'SIEM', '--event', 'issue.created', '--json'], { env: API_ENV(api) });
    assert.equal(created.code, 0, created.stderr);
    const { id } = JSON.parse(created.stdout);
    const regenerated = await run(['webhooks', 'regenerate-secret', id], { env: API_ENV(api) });
    assertRejected(regenerated, /^api_request_rejected: .*answered 404/m);
    assert.match(regenerated.stderr, /hint: This server has no \/api\/v1 API: .*regenerate-secret came with \/api\/v1 .*Without it, rotate by creating a new webhook/);
    assert.doesNotMatch(regenerated.stderr, /check the base URL and the webhook id/);
    const types = await run(['webhooks', 'event-types'], { env: API_ENV(api) });
    assertRejected(types, /hint: This server has no GET \/api\/v1\/webhooks\/event-types.*issue\.comment_added; 'promptfoo-webhooks webhooks create --help' lists every event/);
    assert.doesNotMatch(types.stderr, API_OPTION_WORDS);
  });
});

test('webhooks --api-url ending in /api: the hint names the URL to use instead', async () => {
  await withApi({}, async (api) => {
    const result = await run(['webhooks', 'event-types', '--api-url', `${api.url}/api`], { env: API_ENV(api) });
    assertRejected(result, /answered 404/);
    assert.match(result.stderr, new RegExp(`hint: --api-url ends in /api, and the paths start with /api/ \\(this asked ${api.url}/api/api/v1/webhooks/event-types\\): try ${api.url} instead\\.`));
  });
});

test('webhooks regenerate-secret: prints the new secret and how to keep the old one during the cut-over', async () => {
  await withApi({}, async (api) => {
    await run(['webhooks', 'create', '--url', 'https://siem.example.com/hook', '--name', 'SIEM', '--event', 'issue.created'], { env: API_ENV(api) });
    const old = api.webhooks.get('wh_1').secret;
    const result = await run(['webhooks', 'regenerate-secret', 'wh_1'], { env: API_ENV(api) });
    assert.equal(result.code, 0, result.stderr);
    const fresh = api.webhooks.get('wh_1').secret;
    assert.notEqual(fresh, old);
    assert.ok(result.stdout.includes(fresh));
    assert.match(result.stdout, /PROMPTFOO_WEBHOOK_SECRET=<new>,<old>/);
    assert.match(result.stdout, /serve --secret <new> --secret <old>/);
    assert.equal(api.requests[1].path, '/api/v1/webhooks/wh_1/regenerate-secret');
    const json = await run(['webhooks', 'regenerate-secret', 'wh_1', '--json'], { env: API_ENV(api) });
    assert.deepEqual(JSON.parse(json.stdout), { id: 'wh_1', secret: api.webhooks.get('wh_1').secret });
  });
});

test('webhooks event-types: one name per line, marking the ones this version does not type; --json', async () => {
  await withApi({ eventTypes: 'objects' }, async (api) => {
    const result = await run(['webhooks', 'event-types'], { env: API_ENV(api) });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines[0], 'issue.created');
    assert.match(lines.at(-1), /^report\.generated {2}\(not typed by this version: it reaches onUnknown\)$/);
    const json = await run(['webhooks', 'event-types', '--json'], { env: API_ENV(api) });
    assert.ok(JSON.parse(json.stdout).includes('report.generated'));
  });
});

test('webhooks alone prints its help and exits 2; an unknown subcommand is a usage error', async () => {
  const alone = await run(['webhooks']);
  assert.equal(alone.code, 2);
  assert.match(alone.stdout, /create \| regenerate-secret \| event-types/);
  assertUsageError(await run(['webhooks', 'delete']), /unknown command 'webhooks delete'/);
});

// ---------------------------------------------------------------- sample

test('sample <event>: the payload and only it on stdout; --compact is the signed form; --set and --timestamp apply', async () => {
  const pretty = await run(['sample', 'issue.updated']);
  assert.equal(pretty.code, 0, pretty.stderr);
  assert.equal(pretty.stderr, '');
  const payload = JSON.parse(pretty.stdout);
  assert.equal(payload.event, 'issue.updated');
  assert.ok(Array.isArray(payload.data.eventData.changes));
  assert.match(pretty.stdout, /^\{\n {2}"event": "issue\.updated",/);
  const compact = await run(['sample', 'issue.created', '--compact', '--timestamp', '2025-01-02T03:04:05.000Z', '--set', 'data.issue.severity=critical']);
  assert.equal(compact.stdout.split('\n').length, 2, 'one line');
  const edited = JSON.parse(compact.stdout);
  assert.equal(edited.timestamp, '2025-01-02T03:04:05.000Z');
  assert.equal(edited.data.issue.severity, 'critical');
  assert.equal(compact.stdout.trim(), JSON.stringify(edited));
  assertUsageError(await run(['sample', 'issue.deleted']), /unknown event 'issue\.deleted'/);
  assertUsageError(await run(['sample']), /missing argument/);
});

// ---------------------------------------------------------------- send

/** A receiver on 127.0.0.1 recording each request's headers and exact body. */
async function recorder() {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk)).on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('send --set and --timestamp change the payload before signing: the receiver verifies what it got', async () => {
  const target = await recorder();
  try {
    const before = Date.now();
    const result = await run([
      'send', target.url, '--secret', SECRET, '--event', 'issue.updated', '--timestamp', 'now-10m',
      '--set', 'data.issue.severity=critical', '--set', 'data.eventData.changes=["severity changed to critical"]',
      '--set', 'data.userId=user-9', '--set', 'data.issue.history.0=42', '--set', 'data.extra.nested="text"',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const [request] = target.requests;
    const event = verify(request.body, request.headers['x-promptfoo-signature'], SECRET);
    assert.equal(event.data.issue.severity, 'critical');
    assert.deepEqual(event.data.eventData.changes, ['severity changed to critical']);
    assert.equal(event.data.userId, 'user-9');
    assert.equal(event.data.issue.history[0], 42);
    assert.deepEqual(event.data.extra, { nested: 'text' });
    const age = before - Date.parse(event.timestamp);
    assert.ok(age > 9.5 * 60_000 && age < 11 * 60_000, `timestamp ${event.timestamp} is 10 minutes old`);
    assert.equal(request.body, JSON.stringify(JSON.parse(request.body)), 'signed and sent as JSON.stringify writes it');
  } finally {
    await target.close();
  }
});

test('send --set and --timestamp refuse what they cannot do, as usage errors', async () => {
  const url = 'http://127.0.0.1:9/';
  assertUsageError(await run(['send', url, '--secret', SECRET, '--set', 'severity']), /--set wants <path>=<value>/);
  assertUsageError(await run(['send', url, '--secret', SECRET, '--set', '__proto__.polluted=1']), /not a usable path/);
  assertUsageError(await run(['send', url, '--secret', SECRET, '--set', 'data.issue.id.deeper=1']), /data\.issue\.id is not an object/);
  assertUsageError(await run(['send', url, '--secret', SECRET, '--set', 'data.issue.history.first=1']), /an array index must be a number/);
  assertUsageError(await run(['send', url, '--secret', SECRET, '--timestamp', 'yesterday']), /--timestamp must be an ISO 8601 time or now/);
  assertUsageError(await run(['send', url, '--secret', SECRET, '--timestamp', 'now-10y']), /--timestamp must be/);
});

test('send --dry-run prints a curl command and sends nothing; run by a shell, it delivers the same bytes and signature', async () => {
  const target = await recorder();
  try {
    const result = await run(['send', target.url, '--secret', SECRET, '--event', 'issue.comment_added', '--set', "data.issue.weakness=it's \"quoted\" $HOME `x`", '--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(target.requests.length, 0, 'nothing sent');
    assert.match(result.stdout, /^curl -sS -X POST '/);
    assert.match(result.stdout, /-H 'X-Promptfoo-Signature: [0-9a-f]{64}'/);
    await promisify(execFile)('sh', ['-c', result.stdout]);
    assert.equal(target.requests.length, 1);
    const [request] = target.requests;
    const event = verify(request.body, request.headers['x-promptfoo-signature'], SECRET);
    assert.equal(event.data.issue.weakness, "it's \"quoted\" $HOME `x`");
    assert.equal(request.headers['x-promptfoo-signature'], createHmac('sha256', SECRET).update(request.body).digest('hex'));
  } finally {
    await target.close();
  }
});

// ---------------------------------------------------------------- serve --forward-to --json

/** `serve` with `args` on a free port; resolves once it listens (said on stderr with --json). */
async function startServe(args) {
  const child = start(['serve', '--port', '0', '--secret', SECRET, ...args]);
  const url = await new Promise((resolve, reject) => {
    const onData = () => {
      const match = /Listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(child.output.stderr + child.output.stdout);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.exited.then(({ code, stderr }) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, url };
}

/** Waits until serve has printed `count` JSON lines on stdout; returns them parsed. */
async function jsonLines(child, count) {
  for (let waited = 0; ; waited += 10) {
    const lines = child.output.stdout.split('\n').filter((line) => line !== '');
    if (lines.length >= count) return lines.map((line) => JSON.parse(line));
    if (waited > 5000) assert.fail(`serve printed ${lines.length} of ${count} lines:\n${child.output.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('serve --forward-to --json: verified deliveries reach the target byte for byte, signature and headers included, and the sender gets its answer; bad ones never reach it', async () => {
  const received = [];
  const target = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk)).on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"target":"queued"}');
    });
  });
  await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetUrl = `http://127.0.0.1:${target.address().port}/siem`;
  const closeTarget = () =>
    new Promise((resolve) => {
      target.close(resolve);
      target.closeAllConnections();
    });
  let serve;
  try {
    serve = await startServe(['--forward-to', targetUrl, '--json', '--tolerance', '300', '--max-body-bytes', '4096']);
  } catch (error) {
    await closeTarget();
    throw error;
  }
  const { child, url } = serve;
  try {
    const post = (body, headers) => fetch(url, { method: 'POST', body, headers });
    const payload = JSON.stringify({ event: 'issue.created', timestamp: new Date().toISOString(), data: { issue: { id: 'fwd-1', weakness: 'PII leak \u2028 ✓' }, eventData: {} } });
    const signature = createHmac('sha256', SECRET).update(payload).digest('hex').toUpperCase();
    const headers = { 'Content-Type': 'application/json', 'X-Promptfoo-Signature': signature, 'X-Webhook-Id': 'wh_42' };

    const accepted = await post(payload, headers);
    assert.equal(accepted.status, 202);
    assert.equal(await accepted.text(), '{"target":"queued"}');
    assert.equal(received.length, 1);
    assert.ok(received[0].body.equals(Buffer.from(payload)), 'the exact bytes');
    assert.equal(received[0].headers['x-promptfoo-signature'], signature, 'the signature header as sent (upper case kept)');
    assert.equal(received[0].headers['x-webhook-id'], 'wh_42');
    assert.equal(received[0].headers['content-type'], 'application/json');
    assert.equal(verify(received[0].body, received[0].headers['x-promptfoo-signature'], SECRET).data.issue.id, 'fwd-1');

    const stale = JSON.stringify({ event: 'issue.created', timestamp: new Date(Date.now() - 3600_000).toISOString(), data: { issue: { id: 'old' }, eventData: {} } });
    const big = JSON.stringify({ event: 'issue.created', timestamp: new Date().toISOString(), data: { issue: { id: 'big', weakness: 'x'.repeat(5000) }, eventData: {} } });
    const sign = (body) => createHmac('sha256', SECRET).update(body).digest('hex');
    const refusals = [
      [payload.replace('fwd-1', 'fwd-2'), signature, 401, 'signature_mismatch'],
      [stale, sign(stale), 400, 'timestamp_outside_window'],
      [big, sign(big), 413, 'body_too_large'],
    ];
    for (const [body, sig, status, code] of refusals) {
      const response = await post(body, { ...headers, 'X-Promptfoo-Signature': sig });
      assert.equal(response.status, status, code);
      assert.equal((await response.json()).error, code);
    }
    assert.equal(received.length, 1, 'no refused delivery reached the target');

    await closeTarget();
    const unreachable = await post(payload, headers);
    assert.equal(unreachable.status, 502);
    assert.equal((await unreachable.json()).error, 'forward_failed');

    const lines = await jsonLines(child, 5);
    assert.deepEqual(
      lines.map(({ event, verdict, status, code, secretIndex, forwardStatus }) => ({ event, verdict, status, code, secretIndex, forwardStatus })),
      [
        { event: 'issue.created', verdict: 'accepted', status: 202, code: null, secretIndex: 0, forwardStatus: 202 },
        { event: null, verdict: 'rejected', status: 401, code: 'signature_mismatch', secretIndex: null, forwardStatus: null },
        { event: null, verdict: 'rejected', status: 400, code: 'timestamp_outside_window', secretIndex: null, forwardStatus: null },
        { event: null, verdict: 'rejected', status: 413, code: 'body_too_large', secretIndex: null, forwardStatus: null },
        { event: 'issue.created', verdict: 'accepted', status: 502, code: null, secretIndex: 0, forwardStatus: 'failed' },
      ],
    );
    assert.equal(lines[0].size, Buffer.byteLength(payload));
    assert.equal(lines[1].size, Buffer.byteLength(payload), 'a refused body read whole has its size');
    assert.equal(lines[3].size, null, 'a body refused unread (over the limit) has none');
    assert.ok(lines.every((line) => !Number.isNaN(Date.parse(line.time))));
  } finally {
    child.kill('SIGTERM');
    await child.exited;
    if (target.listening) await closeTarget();
  }
  assert.match(child.output.stderr, /Stopped: 2 accepted, 3 rejected/);
  assert.ok(!child.output.stdout.includes(SECRET) && !child.output.stderr.includes(SECRET));
});
