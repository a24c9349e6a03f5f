// The `promptfoo-webhooks` command line tool (pkg/bin), run as a child
// process the way a user runs it: output, exit codes (0 ok, 1 rejected,
// 2 usage), signatures checked against node:crypto, and real HTTP on
// 127.0.0.1 for `send` and `serve`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signPayload, SIGNATURE_HEADER } from 'promptfoo-webhooks';
import { assertUsageError, run, start } from './support/cli.mjs';

const SECRET = 'cli-test-secret-0123456789abcdef';
const OLD_SECRET = 'cli-test-old-secret-0123456789ab';
const TMP = mkdtempSync(join(tmpdir(), 'pfw-cli-'));
const EVENT_NAMES = [
  'issue.created', 'issue.updated', 'issue.status_changed', 'issue.severity_changed', 'issue.comment_added',
  'remediation.created', 'evaluation.created', 'evaluation.completed', 'evaluation.failed',
];

const hmac = (body, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

/** A payload as Promptfoo sends it: JSON.stringify output, no trailing newline. */
function payloadText({ timestamp = new Date().toISOString(), issueId = 'issue-1' } = {}) {
  return JSON.stringify({
    event: 'issue.created',
    timestamp,
    data: { issue: { id: issueId, severity: 'high', status: 'open' }, eventData: {} },
  });
}

function tempFile(name, contents) {
  const path = join(TMP, name);
  writeFileSync(path, contents);
  return path;
}

/** A one-shot HTTP server on 127.0.0.1 that records each request and answers `status`. */
async function recordingServer(status = 200) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ answered: status }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, requests, close: () => new Promise((r) => server.close(r)) };
}

// ---------------------------------------------------------------- help and usage

test('--help describes every command and the exit codes, on stdout, exit 0', async () => {
  const { code, stdout, stderr } = await run(['--help']);
  assert.equal(code, 0);
  assert.equal(stderr, '');
  for (const command of ['secret', 'sign', 'verify', 'send', 'serve']) assert.match(stdout, new RegExp(`^  ${command}\\b`, 'm'));
  assert.match(stdout, /PROMPTFOO_WEBHOOK_SECRET/);
  assert.match(stdout, /Exit codes:\n  0 .*\n  1 .*\n  2 .*usage/);
});

test('each command has its own --help with its usage line and the exit codes', async () => {
  const usage = {
    secret: /^Usage: promptfoo-webhooks secret\n/,
    sign: /^Usage: promptfoo-webhooks sign --secret <secret> \[file\]\n/,
    verify: /^Usage: promptfoo-webhooks verify .*--signature <hex>/,
    send: /^Usage: promptfoo-webhooks send <url> /,
    serve: /^Usage: promptfoo-webhooks serve .*--port 8787/,
  };
  for (const [command, pattern] of Object.entries(usage)) {
    const { code, stdout } = await run([command, '--help']);
    assert.equal(code, 0, command);
    assert.match(stdout, pattern, command);
    assert.match(stdout, /Exit codes:/, command);
  }
  const { stdout } = await run(['verify', '-h']);
  assert.match(stdout, /--tolerance <seconds>/);
  assert.match((await run(['send', '--help'])).stdout, /evaluation\.failed/);
});

test("each command's --help says what its own exit codes mean, not another command's", async () => {
  const exitCodes = async (command) => {
    const { stdout } = await run([command, '--help']);
    const section = stdout.slice(stdout.indexOf('Exit codes:'));
    return Object.fromEntries([...section.matchAll(/^  (\d)  ((?:.|\n     )*)/gm)].map(([, code, text]) => [code, text.replace(/\s+/g, ' ')]));
  };
  // secret and sample neither verify nor send: no exit 1, no word of signatures or answers.
  for (const command of ['secret', 'sample', 'sign']) {
    const codes = await exitCodes(command);
    assert.deepEqual(Object.keys(codes), ['0', '2'], command);
    assert.doesNotMatch(Object.values(codes).join(' '), /signature is valid|2xx|network/, command);
  }
  assert.match((await exitCodes('secret'))[0], /the secret was printed/);
  assert.match((await exitCodes('sample'))[2], /unknown event/);
  assert.match((await exitCodes('verify'))[1], /timestamp outside --tolerance/);
  assert.match((await exitCodes('send'))[1], /no answer within 10 s/);
  assert.match((await exitCodes('serve'))[1], /could not listen/);
});

test('usage errors print the usage on stderr and exit 2', async () => {
  assertUsageError(await run([]), /missing command/);
  assertUsageError(await run(['frobnicate']), /unknown command 'frobnicate'/);
  assertUsageError(await run(['sign', '--secret', SECRET, '--bogus'], { input: '{}' }), /Unknown option '--bogus'/);
  assertUsageError(await run(['sign', '--secret']), /argument missing/);
  assertUsageError(await run(['sign', '--secret', SECRET, 'a.json', 'b.json']), /unexpected argument 'b\.json'/);
  assertUsageError(await run(['sign'], { input: '{}' }), /no secret: pass --secret <secret> or set PROMPTFOO_WEBHOOK_SECRET/);
  assertUsageError(await run(['sign', '--secret', SECRET, join(TMP, 'missing.json')]), /cannot read .*missing\.json: ENOENT/);
  assertUsageError(await run(['verify', '--secret', SECRET], { input: '{}' }), /missing --signature/);
  assertUsageError(await run(['verify', '--secret', SECRET, '--signature', 'ab', '--tolerance', 'soon'], { input: '{}' }), /--tolerance must be/);
  assertUsageError(await run(['send', '--secret', SECRET]), /missing argument/);
  assertUsageError(await run(['send', 'ftp://127.0.0.1/', '--secret', SECRET]), /not an http\(s\) URL/);
  assertUsageError(await run(['send', 'http://127.0.0.1:9/', '--secret', SECRET, '--event', 'issue.deleted']), /unknown --event 'issue\.deleted'/);
  assertUsageError(await run(['serve', '--secret', SECRET, '--port', '70000']), /--port must be an integer/);
});

test('an invalid secret is a usage error whose message never contains the secret', async () => {
  const short = 'tooShortSecret';
  const result = await run(['sign', '--secret', short], { input: 'body' });
  assertUsageError(result, /^invalid_secret: .*\nhint: /);
  assert.ok(!result.stderr.includes(short));
  // parseArgs quotes an ambiguous option value in its message; the tool blanks it out.
  const dashed = '-dashed-secret-0123456789';
  const ambiguous = await run(['sign', '--secret', dashed], { input: 'body' });
  assertUsageError(ambiguous, /ambiguous/);
  assert.ok(!ambiguous.stderr.includes(dashed));
});

// ---------------------------------------------------------------- secret

test('secret prints 64 lower-case hex characters, new each time', async () => {
  const first = await run(['secret']);
  const second = await run(['secret']);
  assert.equal(first.code, 0);
  assert.match(first.stdout, /^[0-9a-f]{64}\n$/);
  assert.match(second.stdout, /^[0-9a-f]{64}\n$/);
  assert.notEqual(first.stdout, second.stdout);
});

// ---------------------------------------------------------------- sign

test('sign: the HMAC-SHA256 hex of the exact bytes, from stdin, a file or "-"', async () => {
  const body = payloadText();
  const fromStdin = await run(['sign', '--secret', SECRET], { input: body });
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.equal(fromStdin.stdout, `${hmac(body)}\n`);

  const file = tempFile('body.json', body);
  assert.equal((await run(['sign', '--secret', SECRET, file])).stdout, `${hmac(body)}\n`);
  assert.equal((await run(['sign', '--secret', SECRET, '-'], { input: body })).stdout, `${hmac(body)}\n`);

  // Bytes, not text: invalid UTF-8 and a trailing newline are signed as they are.
  const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]);
  assert.equal((await run(['sign', '--secret', SECRET, tempFile('bytes.bin', bytes)])).stdout, `${hmac(bytes)}\n`);
  assert.equal((await run(['sign', '--secret', SECRET], { input: '' })).stdout, `${hmac('')}\n`);
});

test('sign: the secret can come from PROMPTFOO_WEBHOOK_SECRET; --secret wins over it', async () => {
  const body = payloadText();
  const fromEnv = await run(['sign'], { input: body, env: { PROMPTFOO_WEBHOOK_SECRET: SECRET } });
  assert.equal(fromEnv.stdout, `${hmac(body)}\n`);
  const both = await run(['sign', '--secret', OLD_SECRET], { input: body, env: { PROMPTFOO_WEBHOOK_SECRET: SECRET } });
  assert.equal(both.stdout, `${hmac(body, OLD_SECRET)}\n`);
});

// ---------------------------------------------------------------- verify

test('verify: a signed body is valid (exit 0) and names the event and the secret that matched', async () => {
  const body = payloadText();
  const file = tempFile('valid.json', body);
  const result = await run(['verify', '--secret', SECRET, '--signature', hmac(body), file]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'valid: issue.created (secret #0)\n');
  assert.equal(result.stderr, '');

  // Rotation: the new secret first, the old one second; a delivery signed with the old one matches #1.
  const rotated = await run(['verify', '--secret', SECRET, '--secret', OLD_SECRET, '--signature', hmac(body, OLD_SECRET)], { input: body });
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.equal(rotated.stdout, 'valid: issue.created (secret #1)\n');

  // Upper-case hex is the same signature; the env secret works here too.
  const upper = await run(['verify', '--signature', hmac(body).toUpperCase()], { input: body, env: { PROMPTFOO_WEBHOOK_SECRET: SECRET } });
  assert.equal(upper.code, 0, upper.stderr);
});

test('verify --json prints the verified event', async () => {
  const body = payloadText({ issueId: 'issue-json' });
  const result = await run(['verify', '--secret', SECRET, '--signature', hmac(body), '--json'], { input: body });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), JSON.parse(body));
});

test('verify: rejections exit 1 with code, message and hint on stderr, never the secret', async () => {
  const body = payloadText();
  const stale = payloadText({ timestamp: '2020-01-01T00:00:00.000Z' });
  const cases = [
    ['tampered body', [body.replace('"high"', '"low"'), hmac(body)], 'signature_mismatch'],
    ['wrong secret', [body, hmac(body, OLD_SECRET)], 'signature_mismatch'],
    ['malformed signature', [body, 'not-hex'], 'malformed_signature'],
    ['sha256= prefix', [body, `sha256=${hmac(body)}`], 'malformed_signature'],
    ['not JSON', ['{"event":', hmac('{"event":')], 'invalid_json'],
    ['not a payload', ['{"hello":1}', hmac('{"hello":1}')], 'invalid_payload'],
    ['stale with --tolerance', [stale, hmac(stale), '300'], 'timestamp_outside_window'],
  ];
  for (const [name, [input, signature, tolerance], code] of cases) {
    const args = ['verify', '--secret', SECRET, '--signature', signature];
    if (tolerance) args.push('--tolerance', tolerance);
    const result = await run(args, { input });
    assert.equal(result.code, 1, name);
    assert.equal(result.stdout, '', name);
    assert.match(result.stderr, new RegExp(`^rejected: ${code}: .+\\nhint: .+\\n$`), name);
    assert.ok(!result.stderr.includes(SECRET), name);
  }
  // Without --tolerance the same stale payload is valid: the window is off by default.
  assert.equal((await run(['verify', '--secret', SECRET, '--signature', hmac(stale)], { input: stale })).code, 0);
});

// ---------------------------------------------------------------- send

test('send: POSTs a signed sample that verifies with node:crypto; exit 0 on 2xx', async () => {
  const server = await recordingServer(200);
  try {
    for (const name of EVENT_NAMES) {
      const result = await run(['send', server.url, '--secret', SECRET, '--event', name]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^${name.replace('.', '\\.')} -> ${server.url}: 200 OK\\n\\{"answered":200\\}\\n$`));
    }
    assert.equal(server.requests.length, EVENT_NAMES.length);
    for (const [i, { method, headers, body }] of server.requests.entries()) {
      assert.equal(method, 'POST');
      assert.equal(headers['content-type'], 'application/json');
      assert.equal(headers['x-promptfoo-signature'], hmac(body), 'the signature covers the exact bytes sent');
      const event = JSON.parse(body);
      assert.equal(body, JSON.stringify(event), 'serialized as JSON.stringify does');
      assert.equal(event.event, EVENT_NAMES[i]);
      assert.ok(Math.abs(Date.parse(event.timestamp) - Date.now()) < 60_000, 'stamped now');
    }
    assert.deepEqual(JSON.parse(server.requests[1].body).data.eventData.changes, ['status changed to fixed', 'severity changed to low']);
  } finally {
    await server.close();
  }
});

test('send --file: the payload as JSON.stringify would print it; env secret; default event issue.created', async () => {
  const server = await recordingServer(204);
  try {
    const pretty = JSON.stringify(JSON.parse(payloadText({ issueId: 'from-file' })), null, 2);
    const fromFile = await run(['send', server.url, '--file', tempFile('pretty.json', pretty)], { env: { PROMPTFOO_WEBHOOK_SECRET: SECRET } });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const sent = server.requests[0];
    assert.equal(sent.body, JSON.stringify(JSON.parse(pretty)));
    assert.equal(sent.headers['x-promptfoo-signature'], hmac(sent.body));

    assert.equal((await run(['send', server.url, '--secret', SECRET])).code, 0);
    assert.equal(JSON.parse(server.requests[1].body).event, 'issue.created');
  } finally {
    await server.close();
  }
});

test('send: exit 1 on a non-2xx answer, an unreachable receiver or an invalid payload file', async () => {
  const server = await recordingServer(401);
  const url = server.url;
  try {
    const refused = await run(['send', url, '--secret', SECRET]);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /: 401 Unauthorized\n/);
  } finally {
    await server.close();
  }
  // The server is closed now: nothing listens on that port.
  const unreachable = await run(['send', url, '--secret', SECRET]);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /ECONNREFUSED/);

  const invalid = await run(['send', url, '--secret', SECRET, '--file', tempFile('invalid.json', '{"hello":"world"}')]);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /^invalid_payload: /);
});

// ---------------------------------------------------------------- serve

/** Starts `serve` on a free port; resolves once it listens, with its URL. */
async function startServe(extraArgs = []) {
  const child = start(['serve', '--port', '0', '--secret', SECRET, ...extraArgs]);
  const url = await new Promise((resolve, reject) => {
    const onData = () => {
      const match = /Listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(child.output.stdout);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.exited.then(({ code, stderr }) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, url };
}

/** Waits until the server has printed `pattern` (its log line follows the answer). */
async function printed(child, pattern) {
  for (let waited = 0; !pattern.test(child.output.stdout); waited += 10) {
    if (waited > 5000) assert.fail(`serve never printed ${pattern}; it printed:\n${child.output.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('serve: verifies and prints deliveries, answers 200/401/400/413/405, stops on Ctrl-C', async () => {
  const { child, url } = await startServe(['--max-body-bytes', '2000']);
  try {
    const post = (body, headers) => fetch(url, { method: 'POST', body, headers });
    const issue = { id: 'issue-serve', status: 'open', severity: 'high' };
    const updated = {
      event: 'issue.updated',
      timestamp: '2025-03-14T12:34:56.000Z',
      data: { issue: { ...issue, status: 'fixed', severity: 'low' }, eventData: { changes: ['status changed to fixed', 'severity changed to low'] }, userId: 'user-7' },
    };
    const good = signPayload(updated, SECRET);
    const ok = await post(good.body, good.headers);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { received: 'issue.updated' });
    await printed(child, /changes: /);
    assert.match(child.output.stdout, / 200 issue\.updated at 2025-03-14T12:34:56\.000Z \(secret #0\)\n/);
    assert.match(child.output.stdout, /issue issue-serve, severity low, status fixed\n/);
    assert.match(child.output.stdout, /changes: status changed to fixed; severity changed to low\n/);

    const job = signPayload({ event: 'evaluation.completed', timestamp: updated.timestamp, data: { jobId: 'job-9', evalId: 'eval-1' } }, SECRET);
    assert.equal((await post(job.body, job.headers)).status, 200);
    await printed(child, /job job-9, eval eval-1\n/);

    const tampered = await post(good.body.replace('"low"', '"high"'), good.headers);
    assert.equal(tampered.status, 401);
    assert.equal((await tampered.json()).error, 'signature_mismatch');
    await printed(child, / 401 rejected signature_mismatch: /);

    const unsigned = await post(good.body, { 'Content-Type': 'application/json' });
    assert.equal(unsigned.status, 401);
    assert.equal((await unsigned.json()).error, 'missing_signature');

    const json = { 'Content-Type': 'application/json' };
    const notJson = '{"event":';
    const invalid = await post(notJson, { ...json, [SIGNATURE_HEADER]: hmac(notJson) });
    assert.equal(invalid.status, 400);
    assert.equal((await invalid.json()).error, 'invalid_json');

    const big = JSON.stringify({ ...updated, padding: 'x'.repeat(3000) });
    const tooLarge = await post(big, { ...json, [SIGNATURE_HEADER]: hmac(big) });
    assert.equal(tooLarge.status, 413);
    assert.equal((await tooLarge.json()).error, 'body_too_large');

    // serve is the package's middleware: a text/plain delivery is refused as it would be in production.
    const plain = await post(good.body, { ...good.headers, 'Content-Type': 'text/plain' });
    assert.equal(plain.status, 415);
    assert.equal((await plain.json()).error, 'unsupported_media_type');

    assert.equal((await fetch(url)).status, 405);
    await printed(child, / 405 rejected method_not_allowed: webhooks are delivered with POST\n/);
    assert.ok(!child.output.stdout.includes(SECRET));
  } finally {
    child.kill('SIGINT');
  }
  const { code, signal, stdout } = await child.exited;
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.match(stdout, /Stopped: 2 accepted, 6 rejected\n$/);
});

test('serve: a secret or option that cannot work is a usage error before listening', async () => {
  const result = await start(['serve', '--port', '0', '--secret', 'short']).exited;
  assertUsageError(result, /^invalid_secret: /);
  assert.doesNotMatch(result.stdout, /Listening/);
});

test('serve --inbox on a Node without node:sqlite: exit 2 with what to do, no stack, no file', async () => {
  const db = join(TMP, 'node20-inbox.db');
  const result = await start(['serve', '--port', '0', '--secret', SECRET, '--inbox', db]).exited;
  assertUsageError(result, /^cannot open the inbox .*node20-inbox\.db: invalid options: SqliteInbox needs node:sqlite, which Node [\d.]+ does not offer without a flag: run on Node 22\.13 or later/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack');
  assert.equal(existsSync(db), false);
});
