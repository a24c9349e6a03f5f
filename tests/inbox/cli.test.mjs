// The CLI's durable inbox, run as a user runs it (child processes on this
// Node 24, for node:sqlite): `serve --inbox` answers 200 at once and
// forwards from the inbox with retries until the target takes it; entries
// out of attempts are dead, and `inbox status | list | retry | purge`
// show and mend them; the inspector shows each delivery's entry state
// behind its token; options that cannot work are usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecret, sampleEvent, SIGNATURE_HEADER, signPayload } from 'promptfoo-webhooks';
import { assertUsageError, run, start } from '../js/support/cli.mjs';
import { forwardTarget } from '../js/support/processes.mjs';
import { cleanups, post, tempDir, waitFor } from './support/helpers.mjs';

const SECRET = generateSecret();
const EVENTS = '/_promptfoo-webhooks/events';

/** A signed issue.created about `issueId`: { body, headers, signature }. */
function delivery(issueId) {
  const payload = sampleEvent('issue.created');
  payload.data.issue.id = issueId;
  const signed = signPayload(payload, SECRET);
  return { ...signed, signature: signed.headers[SIGNATURE_HEADER] };
}


/** `serve` with `args` on a free port: resolves once it listens to { child, url, inspector? }; stopped after the test. */
async function startServe(defer, args) {
  const child = start(['serve', '--port', '0', '--secret', SECRET, ...args]);
  defer(async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    await child.exited;
  });
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', () => {
      const listening = /Listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(child.output.stdout);
      // Its last start-up line: the inspector's URL, or the inbox's.
      const last = args.includes('--ui') ? /Inspector: / : args.includes('--inbox') ? /Inbox: / : /\n/;
      if (listening && last.test(child.output.stdout)) resolve(listening[1]);
    });
    child.exited.then(({ code, stderr }) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const inspector = /Inspector: (\S+)/.exec(child.output.stdout)?.[1];
  return { child, url, inspector: inspector === undefined ? undefined : new URL(inspector) };
}

/** `inbox status --json` of `db`. */
async function statusOf(db) {
  const result = await run(['inbox', 'status', '--inbox', db, '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** Polls `inbox status --json` until `wanted(counts)`; returns the counts. */
async function statusWhen(db, wanted, ms = 15_000) {
  const counts = await waitFor(async () => {
    const now = await statusOf(db);
    return wanted(now) ? now : undefined;
  }, { ms, everyMs: 100 });
  assert.ok(counts, `the inbox never got there; it has ${JSON.stringify(await statusOf(db))}`);
  return counts;
}

test('serve --inbox --forward-to: 200 at once while the target is down, then the exact bytes and signature reach it once it is up', async (t) => {
  const defer = cleanups(t);
  const db = join(tempDir(defer), 'inbox.db');
  // A port the target will come up on later: taken, then given back.
  const down = forwardTarget(defer);
  const targetUrl = await down.listen();
  await down.close();

  const serve = await startServe(defer, ['--inbox', db, '--forward-to', targetUrl, '--retry-base-ms', '100', '--max-attempts', '20']);
  assert.match(serve.child.output.stdout, new RegExp(`Inbox: ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
  const { body, headers, signature } = delivery('issue-down-then-up');
  const answer = await post(serve.url, body, headers);
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.json, { received: 'issue.created' });
  assert.ok(answer.ms < 1000, `answered in ${answer.ms} ms, while the target is down`);

  // A few failed attempts while it is down.
  await waitFor(() => /entry 1, attempt 2: forwarding issue\.created/.test(serve.child.output.stdout), { ms: 5000, everyMs: 20 });
  assert.deepEqual(await statusOf(db), { pending: 1, leased: 0, done: 0, dead: 0 });
  const up = forwardTarget(defer);
  await up.listen(Number(new URL(targetUrl).port));

  const counts = await statusWhen(db, (c) => c.done === 1);
  assert.deepEqual(counts, { pending: 0, leased: 0, done: 1, dead: 0 });
  assert.equal(up.received.length, 1, 'the target got it once');
  assert.ok(up.received[0].body.equals(Buffer.from(body)), 'the exact bytes');
  assert.equal(up.received[0].headers['x-promptfoo-signature'], signature);
  assert.equal(up.received[0].headers['content-type'], 'application/json');
  await waitFor(() => /entry 1 done after \d+ attempts/.test(serve.child.output.stdout), { ms: 3000, everyMs: 20 });

  // A repeat is the same entry: answered, never sent again.
  const repeat = await post(serve.url, body, headers);
  assert.deepEqual(repeat.json, { received: 'issue.created', duplicate: true });
  assert.match(serve.child.output.stdout, /: a repeat of entry 1\n/);
});

test('--max-attempts 2 against a 500: dead; inbox status, list, retry --dead (then a healthy target completes it), purge --dead', async (t) => {
  const defer = cleanups(t);
  const db = join(tempDir(defer), 'inbox.db');
  let healthy = false;
  // Issue "poison" gets a 500 until the target is healthy; the others a 200.
  const forward = forwardTarget(defer, (text) => (!healthy && text.includes('"poison') ? 500 : 200));
  const targetUrl = await forward.listen();
  const serve = await startServe(defer, ['--inbox', db, '--forward-to', targetUrl, '--max-attempts', '2', '--retry-base-ms', '20']);

  const poison = delivery('poison-1');
  const fine = delivery('fine-1');
  assert.equal((await post(serve.url, poison.body, poison.headers)).status, 200);
  assert.equal((await post(serve.url, fine.body, fine.headers)).status, 200);

  const counts = await statusWhen(db, (c) => c.dead === 1 && c.done === 1);
  assert.deepEqual(counts, { pending: 0, leased: 0, done: 1, dead: 1 });
  assert.equal(forward.received.filter((r) => r.body.toString().includes('"poison-1"')).length, 2, 'two attempts, then dead');
  await waitFor(() => /entry 1 is dead after 2 attempts: Error: .* answered 500/.test(serve.child.output.stdout), { ms: 3000, everyMs: 20 });
  const text = await run(['inbox', 'status', '--inbox', db]);
  assert.equal(text.stdout, 'pending 0 (0 leased)\ndone    1\ndead    1\n');

  const listed = await run(['inbox', 'list', '--inbox', db, '--state', 'dead']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^#1 {2}dead {5}2 attempts {2}received \S+ {2}issue poison-1 {2}\d+ bytes\n {4}last error: Error: .* answered 500\n$/);
  const json = JSON.parse((await run(['inbox', 'list', '--inbox', db, '--state', 'dead', '--json'])).stdout);
  assert.deepEqual(json.map((e) => [e.id, e.state, e.attempts, e.issueId]), [[1, 'dead', 2, 'poison-1']]);
  assert.equal(JSON.parse((await run(['inbox', 'list', '--inbox', db, '--json', '--limit', '1'])).stdout).length, 1);
  assert.equal((await run(['inbox', 'list', '--inbox', db, '--state', 'pending'])).stdout, 'no pending entries\n');

  // Not dead (done, or no such entry): nothing to retry.
  const notDead = await run(['inbox', 'retry', '2', '--inbox', db]);
  assert.equal(notDead.code, 1);
  assert.match(notDead.stderr, /no dead entry 2/);

  healthy = true;
  const retried = await run(['inbox', 'retry', '--dead', '--inbox', db]);
  assert.equal(retried.code, 0, retried.stderr);
  assert.equal(retried.stdout, '1 dead entry made pending again\n');
  assert.deepEqual(await statusWhen(db, (c) => c.done === 2), { pending: 0, leased: 0, done: 2, dead: 0 });
  const last = forward.received.at(-1);
  assert.ok(last.body.equals(Buffer.from(poison.body)), 'the retried entry reached the target, exact bytes');
  assert.equal(last.headers['x-promptfoo-signature'], poison.signature);
  await waitFor(() => /entry 1 is pending again\n[^]*entry 1 done/.test(serve.child.output.stdout), { ms: 3000, everyMs: 20 });

  // One more dead entry, then purged; retry <id> brings one back first.
  healthy = false;
  const poison2 = delivery('poison-2');
  assert.equal((await post(serve.url, poison2.body, poison2.headers)).status, 200);
  await statusWhen(db, (c) => c.dead === 1);
  const one = await run(['inbox', 'retry', '3', '--inbox', db]);
  assert.equal(one.stdout, '1 dead entry made pending again\n');
  await statusWhen(db, (c) => c.dead === 1 && c.pending === 0);
  const purged = await run(['inbox', 'purge', '--dead', '--inbox', db]);
  assert.equal(purged.code, 0, purged.stderr);
  assert.equal(purged.stdout, '1 dead entry deleted\n');
  assert.deepEqual(await statusOf(db), { pending: 0, leased: 0, done: 2, dead: 0 });
  assert.equal((await run(['inbox', 'list', '--inbox', db, '--state', 'dead'])).stdout, 'no dead entries\n');
});

test('serve --inbox without --forward-to prints each entry\'s event when its worker runs it', async (t) => {
  const defer = cleanups(t);
  const db = join(tempDir(defer), 'inbox.db');
  const serve = await startServe(defer, ['--inbox', db]);
  const { body, headers } = delivery('printed-issue');
  assert.equal((await post(serve.url, body, headers)).status, 200);
  await waitFor(() => /entry 1 done\n/.test(serve.child.output.stdout), { ms: 5000, everyMs: 20 });
  assert.match(serve.child.output.stdout, / 200 issue\.created at \S+ \(secret #0\): recorded as entry 1\n/);
  assert.match(serve.child.output.stdout, / entry 1, attempt 1: issue\.created at \S+\n {9}issue printed-issue, severity /);
});

test('the inspector shows each delivery\'s inbox entry and its state (dead, then done after inbox retry), behind its token', async (t) => {
  const defer = cleanups(t);
  const db = join(tempDir(defer), 'inbox.db');
  let healthy = false;
  const forward = forwardTarget(defer, () => (healthy ? 200 : 500));
  const targetUrl = await forward.listen();
  const serve = await startServe(defer, ['--ui', '--inbox', db, '--forward-to', targetUrl, '--max-attempts', '2', '--retry-base-ms', '20']);
  const { origin, searchParams } = serve.inspector;
  const token = searchParams.get('token');
  const { body, headers } = delivery('inspected-issue');
  assert.equal((await post(serve.url, body, headers)).status, 200);

  /** The delivery as the event stream's history has it, once `wanted(it)`. */
  const shown = async (wanted) => {
    const found = await waitFor(async () => {
      const [first] = await historyOf(origin, token);
      return first !== undefined && wanted(first) ? first : undefined;
    }, { ms: 10_000, everyMs: 100 });
    assert.ok(found, `the inspector never showed it: ${JSON.stringify(await historyOf(origin, token))}`);
    return found;
  };
  const dead = await shown((d) => d.inbox?.state === 'dead');
  assert.deepEqual({ ...dead.inbox, lastError: undefined }, { entryId: 1, duplicate: false, state: 'dead', attempts: 2, lastError: undefined });
  assert.match(dead.inbox.lastError, /^Error: .* answered 500$/);

  // A live page hears of the change as an `inbox` event.
  const stream = await fetch(`${origin}${EVENTS}?token=${token}`);
  healthy = true;
  assert.equal((await run(['inbox', 'retry', '--dead', '--inbox', db])).code, 0);
  const change = await nextEvent(stream, (type, data) => type === 'inbox' && data.inbox.state === 'done');
  assert.deepEqual(change, { id: dead.id, inbox: { entryId: 1, duplicate: false, state: 'done', attempts: 1, lastError: null } });
  assert.equal((await shown((d) => d.inbox?.state === 'done')).inbox.state, 'done');

  // The same rules as before: no token, no states.
  assert.equal((await fetch(`${origin}${EVENTS}`)).status, 401);
  assert.equal((await fetch(`${origin}${EVENTS}?token=${'0'.repeat(48)}`)).status, 401);
});

/** The deliveries an event stream opens with (its `history` event). */
async function historyOf(origin, token) {
  const response = await fetch(`${origin}${EVENTS}?token=${token}`);
  assert.equal(response.status, 200);
  return nextEvent(response, (type) => type === 'history');
}

/** Reads `response`'s event stream to the first event `wanted(type, data)` takes; returns its data. */
async function nextEvent(response, wanted) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the stream ended first');
    text += decoder.decode(value, { stream: true });
    for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n')) {
      const message = text.slice(0, end);
      text = text.slice(end + 2);
      const type = /^event: (.*)$/m.exec(message)?.[1];
      const data = /^data: (.*)$/m.exec(message)?.[1];
      if (type !== undefined && data !== undefined && wanted(type, JSON.parse(data))) {
        await reader.cancel();
        return JSON.parse(data);
      }
    }
  }
}

test('usage errors: bad policy values, a policy without --inbox, inbox commands without what they need (exit 2, nothing created)', async (t) => {
  const defer = cleanups(t);
  const dir = tempDir(defer);
  const db = join(dir, 'never.db');
  const serve = (args) => run(['serve', '--port', '0', '--secret', SECRET, ...args]);
  assertUsageError(await serve(['--max-attempts', '3']), /^--max-attempts needs --inbox\n/);
  assertUsageError(await serve(['--retry-base-ms', '100']), /^--retry-base-ms needs --inbox\n/);
  for (const value of ['0', '-1', '1.5', 'two', '', '1e3']) {
    assertUsageError(await serve(['--inbox', db, `--max-attempts=${value}`]), /^--max-attempts must be a whole number of at least 1\n/);
    assertUsageError(await serve(['--inbox', db, `--retry-base-ms=${value}`]), /^--retry-base-ms must be a whole number of at least 1\n/);
  }
  assertUsageError(await serve(['--inbox', 'ftp://127.0.0.1/inbox']), /--inbox takes a SQLite file's path or a redis:\/\/ URL, not ftp:\/\//);
  assert.equal(existsSync(db), false, 'a refused serve creates no inbox');

  assertUsageError(await run(['inbox', 'status']), /^missing --inbox <path \| redis:\/\/host:port>\n/);
  assertUsageError(await run(['inbox', 'status', '--inbox', db]), /^no inbox at .*never\.db \(serve --inbox .* creates it\)\n/);
  assert.equal(existsSync(db), false, 'looking at a missing inbox does not create it');
  assertUsageError(await run(['inbox', 'list', '--inbox', db, '--state', 'lost']), /^--state must be one of pending, done, dead\n/);
  assertUsageError(await run(['inbox', 'list', '--inbox', db, '--limit', '0']), /^--limit must be a whole number of at least 1\n/);
  assertUsageError(await run(['inbox', 'retry', '--inbox', db]), /^give an entry id or --dead, one of the two\n/);
  assertUsageError(await run(['inbox', 'retry', '4', '--dead', '--inbox', db]), /^give an entry id or --dead, one of the two\n/);
  assertUsageError(await run(['inbox', 'retry', 'x', '--inbox', db]), /^the entry id must be a whole number of at least 1\n/);
  assertUsageError(await run(['inbox', 'purge', '--inbox', db]), /^purge deletes dead entries only: say so with --dead\n/);
  assertUsageError(await run(['inbox', 'frob']), /unknown command 'inbox frob'/);
  const help = await run(['inbox', 'retry', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: promptfoo-webhooks inbox retry <id> --inbox <inbox>\n/);
  assert.match(help.stdout, /Exit codes:/);
});
