// A failing handler is tried again with a growing, jittered backoff; one
// that always fails is dead after maxAttempts, onDead and the logger hear
// of it once, and retry('dead') gives it another round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateSecret, sampleEvent, signPayload, SqliteInbox } from 'promptfoo-webhooks';
import { cleanups, post, startServer, tempDir, waitFor } from './support/helpers.mjs';

const SECRET = generateSecret();
const RETRY_BASE_MS = 100;
const POLL_MS = 10;
// Timers fire late on a busy machine, never early (1 ms of rounding aside).
const LATE_MS = 150;

function delivery(issueId) {
  const payload = sampleEvent('issue.created');
  payload.data.issue.id = issueId;
  return signPayload(payload, SECRET);
}

/** A logger that keeps what it is told. */
function keptLogger() {
  const lines = [];
  return { lines, error: (...args) => lines.push(args.map(String).join(' ')) };
}

test('a handler failing twice then succeeding: attempts 1, 2, 3, the gaps grow with the backoff, then done', async (t) => {
  const defer = cleanups(t);
  const inbox = new SqliteInbox(join(tempDir(defer), 'inbox.db'), { retryBaseMs: RETRY_BASE_MS, pollMs: POLL_MS, maxAttempts: 4 });
  const seen = [];
  const url = await startServer(defer, SECRET, inbox, {
    logger: keptLogger(),
    onEvent: (event, { attempt, entryId }) => {
      seen.push({ attempt, entryId, at: performance.now() });
      if (attempt < 3) throw new Error(`failing attempt ${attempt}`);
    },
  });
  const { body, headers } = delivery('retry-issue');
  assert.equal((await post(url, body, headers)).status, 200);

  const counts = await waitFor(async () => ((await inbox.counts()).done === 1 ? inbox.counts() : undefined), { ms: 5000, everyMs: 10 });
  assert.deepEqual(counts, { pending: 0, leased: 0, done: 1, dead: 0 });
  assert.deepEqual(seen.map((s) => s.attempt), [1, 2, 3]);
  assert.deepEqual(new Set(seen.map((s) => s.entryId)), new Set([seen[0].entryId]));
  const [entry] = await inbox.list();
  assert.equal(entry.attempts, 3);
  assert.equal(entry.lastError, undefined, 'a done entry keeps no error');

  // Before attempt n+1 the worker waits between half and all of base * 2^(n-1).
  const gap1 = seen[1].at - seen[0].at;
  const gap2 = seen[2].at - seen[1].at;
  t.diagnostic(`gaps: ${gap1.toFixed(0)} ms, then ${gap2.toFixed(0)} ms`);
  assert.ok(gap1 >= RETRY_BASE_MS / 2 - 1 && gap1 <= RETRY_BASE_MS + POLL_MS + LATE_MS, `gap 1->2 ${gap1} ms`);
  assert.ok(gap2 >= RETRY_BASE_MS - 1 && gap2 <= 2 * RETRY_BASE_MS + POLL_MS + LATE_MS, `gap 2->3 ${gap2} ms`);
  // Jitter may bring both near RETRY_BASE_MS, so the second is larger up to a poll's worth of lateness.
  assert.ok(gap2 > gap1 - POLL_MS - 5, `the backoff grows: ${gap1} ms then ${gap2} ms`);
});

test('a poison delivery is dead after maxAttempts: onDead once, counts, list with lastError; retry("dead") and a fixed handler complete it', async (t) => {
  const defer = cleanups(t);
  const inbox = new SqliteInbox(join(tempDir(defer), 'inbox.db'), { retryBaseMs: 20, pollMs: POLL_MS, maxAttempts: 4 });
  const logger = keptLogger();
  const attempts = [];
  const dead = [];
  let fixed = false;
  const url = await startServer(defer, SECRET, inbox, {
    logger,
    onEvent: (event, { attempt, entryId }) => {
      attempts.push({ attempt, entryId, fixed });
      if (!fixed) throw new Error(`poison ${event.data.issue.id}`);
    },
    onDead: (entry, error) => dead.push({ entry, error }),
  });
  const { body, headers } = delivery('poison-issue');
  const answer = await post(url, body, headers);
  assert.equal(answer.status, 200, 'recorded, whatever the handler will do');

  await waitFor(() => dead.length > 0, { ms: 5000, everyMs: 10 });
  await sleep(200); // anything more would show now
  assert.deepEqual(attempts.map((a) => a.attempt), [1, 2, 3, 4], 'tried maxAttempts times, no more');
  assert.equal(dead.length, 1, 'onDead is called once');
  const entryId = attempts[0].entryId;
  assert.equal(dead[0].entry.id, entryId);
  assert.equal(dead[0].entry.attempt, 4);
  assert.equal(dead[0].entry.orderKey, 'poison-issue');
  assert.match(String(dead[0].error?.errors?.[0]?.message ?? dead[0].error), /poison poison-issue/);
  assert.equal(Buffer.from(dead[0].entry.body).toString('utf8'), body, 'the entry keeps the bytes received');
  assert.ok(logger.lines.some((line) => line.includes(`entry ${entryId} is dead after 4 attempts`)), logger.lines.join('\n'));

  assert.deepEqual(await inbox.counts(), { pending: 0, leased: 0, done: 0, dead: 1 });
  const [listed, ...others] = await inbox.list({ state: 'dead' });
  assert.equal(others.length, 0);
  assert.equal(listed.id, entryId);
  assert.equal(listed.state, 'dead');
  assert.equal(listed.attempts, 4);
  assert.equal(listed.issueId, 'poison-issue');
  assert.match(listed.lastError, /poison poison-issue/);
  assert.equal(listed.lastError.includes(SECRET), false);

  fixed = true;
  assert.equal(await inbox.retry('dead'), 1);
  const counts = await waitFor(async () => ((await inbox.counts()).done === 1 ? inbox.counts() : undefined), { ms: 5000, everyMs: 10 });
  assert.deepEqual(counts, { pending: 0, leased: 0, done: 1, dead: 0 });
  assert.deepEqual(attempts.at(-1), { attempt: 1, entryId, fixed: true }, 'pending again from attempt 1, same entry');
  assert.equal(attempts.length, 5);
  assert.equal(dead.length, 1, 'onDead is not called again');
  assert.deepEqual(await inbox.list({ state: 'dead' }), []);
});
