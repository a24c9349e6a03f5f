// The CLI's durable inbox on Redis, run as a user runs it (child processes,
// Node 20: no node:sqlite needed): `serve --inbox redis://...` answers 200
// at once and forwards from the inbox with retries until the target takes
// it; entries out of attempts are dead, and `inbox status | list | retry |
// purge` on the same URL show and mend them; while Redis is down a
// delivery is a 503 said as such, and serve goes on once Redis is back.
// The URL's password is never printed, not even when Redis cannot be
// reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { generateSecret, sampleEvent, SIGNATURE_HEADER, signPayload } from 'promptfoo-webhooks';
import { run, start } from './support/cli.mjs';
import { startRedis } from './support/redis.mjs';
import { cleanups, forwardTarget } from './support/processes.mjs';

const SECRET = generateSecret();
const PASSWORD = `pw-${generateSecret().slice(-24)}`;


/** Polls `probe()` until it returns a truthy value (returned) or `ms` pass (then the last value). */
async function waitFor(probe, { ms = 15_000, everyMs = 50 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value || Date.now() > deadline) return value;
    await sleep(everyMs);
  }
}

/**
 * A redis-server whose only user is `pfw` with PASSWORD (the default user
 * is off): `{ url, port, stop() }`, url with the password in it; stopped
 * after the test.
 */
async function redisWithPassword(defer) {
  const server = await startRedis();
  defer(() => server.stop());
  const admin = createClient({ url: server.url });
  await admin.connect();
  await admin.sendCommand(['ACL', 'SETUSER', 'pfw', 'on', `>${PASSWORD}`, '~*', '&*', '+@all']);
  await admin.sendCommand(['ACL', 'SETUSER', 'default', 'off']);
  await admin.destroy();
  return { ...server, url: `redis://pfw:${PASSWORD}@127.0.0.1:${server.port}` };
}

/** A signed issue.created about `issueId`: { body, headers, signature }. */
function delivery(issueId) {
  const payload = sampleEvent('issue.created');
  payload.data.issue.id = issueId;
  const signed = signPayload(payload, SECRET);
  return { ...signed, signature: signed.headers[SIGNATURE_HEADER] };
}

/** POSTs `body`: `{ status, json, ms }`. */
function post(url, body, headers) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text), ms: Date.now() - started }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject).end(body);
  });
}


/** Everything the tool printed in this test, to look for the password in. */
const printed = [];
function noPassword() {
  const all = printed.join('\n');
  assert.ok(all.length > 0);
  assert.ok(!all.includes(PASSWORD), 'the password was printed');
}

/** `serve` with `args` on a free port: resolves once it listens to { child, url }; stopped (SIGINT) after the test. */
async function startServe(defer, args) {
  const child = start(['serve', '--port', '0', '--secret', SECRET, ...args]);
  defer(async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    const { code, stdout, stderr } = await child.exited;
    printed.push(stdout, stderr);
    assert.equal(code, 0, `serve stopped with ${code}: ${stderr}`);
    assert.match(stdout + stderr, /Stopped: \d+ accepted/);
  });
  const url = await new Promise((resolve, reject) => {
    // With --json these lines are on stderr.
    const started = () => {
      const said = child.output.stdout + child.output.stderr;
      const listening = /Listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(said);
      if (listening && /Inbox: /.test(said)) resolve(listening[1]);
    };
    child.stdout.on('data', started);
    child.stderr.on('data', started);
    child.exited.then(({ code, stderr }) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, url };
}

/** Runs an `inbox` command; its output is kept for the password check. */
async function inbox(args) {
  const result = await run(['inbox', ...args]);
  printed.push(result.stdout, result.stderr);
  return result;
}

/** `inbox status --json` of the inbox at `url`. */
async function statusOf(url) {
  const result = await inbox(['status', '--inbox', url, '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** Polls `inbox status --json` until `wanted(counts)`; returns the counts. */
async function statusWhen(url, wanted) {
  const counts = await waitFor(async () => {
    const now = await statusOf(url);
    return wanted(now) ? now : undefined;
  }, { everyMs: 100 });
  assert.ok(counts, `the inbox never got there; it has ${JSON.stringify(await statusOf(url))}`);
  return counts;
}

test('serve --inbox redis://... --forward-to: 200 at once while the target is down, then the exact bytes and signature reach it once, once it is up', { timeout: 60_000 }, async (t) => {
  const defer = cleanups(t);
  defer(noPassword);
  const redis = await redisWithPassword(defer);
  // A port the target will come up on later: taken, then given back.
  const down = forwardTarget(defer);
  const targetUrl = await down.listen();
  await down.close();

  const serve = await startServe(defer, ['--inbox', redis.url, '--forward-to', targetUrl, '--max-attempts', '2', '--retry-base-ms', '2000']);
  assert.match(serve.child.output.stdout, new RegExp(`Inbox: redis://pfw:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port} `));
  const { body, headers, signature } = delivery('issue-down-then-up');
  const answer = await post(serve.url, body, headers);
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.json, { received: 'issue.created' });
  assert.ok(answer.ms < 1000, `answered in ${answer.ms} ms, while the target is down`);

  // The first attempt failed (nothing listens); the second comes 1 to 2 s later: the target is up by then.
  await waitFor(() => /entry 1, attempt 1: forwarding issue\.created/.test(serve.child.output.stdout), { ms: 5000, everyMs: 20 });
  const up = forwardTarget(defer);
  await up.listen(Number(new URL(targetUrl).port));
  const pending = await statusOf(redis.url);
  assert.deepEqual({ ...pending, leased: 0 }, { pending: 1, leased: 0, done: 0, dead: 0 });

  assert.deepEqual(await statusWhen(redis.url, (c) => c.done === 1), { pending: 0, leased: 0, done: 1, dead: 0 });
  assert.equal(up.received.length, 1, 'the target got it once');
  assert.ok(up.received[0].body.equals(Buffer.from(body)), 'the exact bytes');
  assert.equal(up.received[0].headers['x-promptfoo-signature'], signature);
  await waitFor(() => /entry 1 done after 2 attempts/.test(serve.child.output.stdout), { ms: 3000, everyMs: 20 });

  // A repeat is the same entry: answered, never sent again.
  assert.deepEqual((await post(serve.url, body, headers)).json, { received: 'issue.created', duplicate: true });
  await sleep(300);
  assert.equal(up.received.length, 1);
});

test('serve --inbox redis://... --max-attempts 2 against a 500: dead; inbox status, list --state dead, retry --dead, purge --dead on the same URL', { timeout: 60_000 }, async (t) => {
  const defer = cleanups(t);
  defer(noPassword);
  const redis = await redisWithPassword(defer);
  let healthy = false;
  // Issue "poison" gets a 500 until the target is healthy; the others a 200.
  const forward = forwardTarget(defer, (text) => (!healthy && text.includes('"poison') ? 500 : 200));
  const targetUrl = await forward.listen();
  const serve = await startServe(defer, ['--inbox', redis.url, '--forward-to', targetUrl, '--max-attempts', '2', '--retry-base-ms', '20']);

  const poison = delivery('poison-1');
  const fine = delivery('fine-1');
  assert.equal((await post(serve.url, poison.body, poison.headers)).status, 200);
  assert.equal((await post(serve.url, fine.body, fine.headers)).status, 200);

  assert.deepEqual(await statusWhen(redis.url, (c) => c.dead === 1 && c.done === 1), { pending: 0, leased: 0, done: 1, dead: 1 });
  assert.equal(forward.received.filter((r) => r.body.toString().includes('"poison-1"')).length, 2, 'two attempts, then dead');
  await waitFor(() => /entry 1 is dead after 2 attempts: Error: .* answered 500/.test(serve.child.output.stdout), { ms: 3000, everyMs: 20 });
  // The way to run it again, with the inbox as it may be printed.
  assert.match(serve.child.output.stdout, new RegExp(`inbox retry 1 --inbox redis://pfw:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port} runs it again`));
  assert.equal((await inbox(['status', '--inbox', redis.url])).stdout, 'pending 0 (0 leased)\ndone    1\ndead    1\n');

  const listed = await inbox(['list', '--inbox', redis.url, '--state', 'dead']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^#1 {2}dead {5}2 attempts {2}received \S+ {2}issue poison-1 {2}\d+ bytes\n {4}last error: Error: .* answered 500\n$/);
  const json = JSON.parse((await inbox(['list', '--inbox', redis.url, '--state', 'dead', '--json'])).stdout);
  assert.deepEqual(json.map((e) => [e.id, e.state, e.attempts, e.issueId]), [[1, 'dead', 2, 'poison-1']]);
  assert.equal((await inbox(['list', '--inbox', redis.url, '--state', 'pending'])).stdout, 'no pending entries\n');
  const notDead = await inbox(['retry', '2', '--inbox', redis.url]);
  assert.equal(notDead.code, 1);
  assert.match(notDead.stderr, /no dead entry 2/);

  healthy = true;
  const retried = await inbox(['retry', '--dead', '--inbox', redis.url]);
  assert.equal(retried.code, 0, retried.stderr);
  assert.equal(retried.stdout, '1 dead entry made pending again\n');
  assert.deepEqual(await statusWhen(redis.url, (c) => c.done === 2), { pending: 0, leased: 0, done: 2, dead: 0 });
  const last = forward.received.at(-1);
  assert.ok(last.body.equals(Buffer.from(poison.body)), 'the retried entry reached the target, exact bytes');
  assert.equal(last.headers['x-promptfoo-signature'], poison.signature);
  await waitFor(() => /entry 1 is pending again\n[^]*entry 1 done/.test(serve.child.output.stdout), { ms: 3000, everyMs: 20 });

  // One more dead entry, purged: gone from status and list.
  healthy = false;
  const poison2 = delivery('poison-2');
  assert.equal((await post(serve.url, poison2.body, poison2.headers)).status, 200);
  await statusWhen(redis.url, (c) => c.dead === 1);
  const purged = await inbox(['purge', '--dead', '--inbox', redis.url]);
  assert.equal(purged.code, 0, purged.stderr);
  assert.equal(purged.stdout, '1 dead entry deleted\n');
  assert.deepEqual(await statusOf(redis.url), { pending: 0, leased: 0, done: 2, dead: 0 });
  assert.equal((await inbox(['list', '--inbox', redis.url, '--state', 'dead'])).stdout, 'no dead entries\n');
  await waitFor(() => /entry 3 was deleted/.test(serve.child.output.stdout), { ms: 3000, everyMs: 20 });
});

test('inbox commands: a database without an inbox is empty and left so; a Redis that refuses the password or is not there is exit 1, the URL shown without its password', { timeout: 60_000 }, async (t) => {
  const defer = cleanups(t);
  defer(noPassword);
  const redis = await redisWithPassword(defer);
  const wrong = redis.url.replace(PASSWORD, `${PASSWORD}-wrong`);
  const refused = await inbox(['status', '--inbox', wrong]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, new RegExp(`^cannot reach the inbox redis://pfw:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}: .*WRONGPASS`));
  assert.ok(!refused.stderr.includes(`${PASSWORD}-wrong`));

  // Looking at a database with no inbox (a wrong /db) finds it empty, and leaves it so.
  const empty = `${redis.url}/3`;
  assert.deepEqual(await statusOf(empty), { pending: 0, leased: 0, done: 0, dead: 0 });
  assert.equal((await inbox(['list', '--inbox', empty])).stdout, 'no entries\n');
  const client = createClient({ url: empty });
  await client.connect();
  assert.equal(await client.dbSize(), 0, 'inbox status and list wrote nothing');
  await client.destroy();

  await redis.stop();
  const gone = await inbox(['list', '--inbox', redis.url]);
  assert.equal(gone.code, 1);
  assert.equal(gone.stdout, '');
  assert.match(gone.stderr, new RegExp(`^cannot reach the inbox redis://pfw:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}: (connect )?ECONNREFUSED`));
  // serve does not start on an inbox it cannot reach.
  const serve = await run(['serve', '--port', '0', '--secret', SECRET, '--inbox', redis.url]);
  printed.push(serve.stdout, serve.stderr);
  assert.equal(serve.code, 1);
  assert.match(serve.stderr, /^cannot reach the inbox redis:\/\/pfw:\*\*\*@/);
});

test('serve --inbox redis://... while Redis is down: 503 inbox_unavailable at once, printed as not recorded (text and --json); once Redis is back, 200 and run', { timeout: 60_000 }, async (t) => {
  const defer = cleanups(t);
  const aofDir = mkdtempSync(join(tmpdir(), 'pfw-cli-redis-'));
  defer(() => rmSync(aofDir, { recursive: true, force: true }));
  let redis = await startRedis({ aofDir });
  defer(() => redis.stop());
  const text = await startServe(defer, ['--inbox', redis.url]);
  const json = await startServe(defer, ['--inbox', redis.url, '--json']);
  const first = delivery('before-the-outage');
  assert.equal((await post(text.url, first.body, first.headers)).status, 200);
  await waitFor(() => /entry 1 done\n/.test(text.child.output.stdout), { ms: 5000, everyMs: 20 });

  await redis.stop();
  const during = delivery('during-the-outage');
  for (const serve of [text, json]) {
    const answer = await post(serve.url, during.body, during.headers);
    assert.equal(answer.status, 503);
    assert.equal(answer.json.error, 'inbox_unavailable');
    assert.ok(answer.ms < 1000, `answered in ${answer.ms} ms`);
  }
  const said = await waitFor(() => / 503 issue\.created at \S+ \(secret #0\): not recorded \(inbox_unavailable\)/.test(text.child.output.stdout), { ms: 3000, everyMs: 20 });
  assert.ok(said, `serve said: ${text.child.output.stdout}`);
  assert.doesNotMatch(text.child.output.stdout, /issue during-the-outage/, 'not described as if it had been recorded');
  const record = await waitFor(() => json.child.output.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((r) => r.status === 503), { ms: 3000, everyMs: 20 });
  assert.deepEqual({ ...record, time: undefined, size: undefined }, {
    time: undefined, event: 'issue.created', verdict: 'accepted', status: 503, code: 'inbox_unavailable', secretIndex: 0, size: undefined, forwardStatus: null, entryId: null,
  });

  redis = await startRedis({ aofDir, port: redis.port });
  const after = delivery('after-the-outage');
  const answer = await waitFor(async () => {
    const got = await post(text.url, after.body, after.headers);
    return got.status === 200 ? got : undefined;
  }, { ms: 10_000, everyMs: 200 });
  assert.deepEqual(answer?.json, { received: 'issue.created' });
  await waitFor(() => /entry 2 done\n/.test(text.child.output.stdout), { ms: 5000, everyMs: 20 });
  // Both serves run a worker on this inbox: whichever claimed entry 2 says its attempt (--json on stderr).
  const ranIt = /entry 2, attempt 1: issue\.created at \S+\n {9}issue after-the-outage/;
  const ran = await waitFor(() => ranIt.test(text.child.output.stdout) || ranIt.test(json.child.output.stderr), { ms: 5000, everyMs: 20 });
  assert.ok(ran, `neither serve said it ran entry 2: ${text.child.output.stdout}\n${json.child.output.stderr}`);
});
