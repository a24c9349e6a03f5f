// Per-issue order: the events of one issue (same data.issue.id) run in the
// order received, one at a time, a later one waiting while an earlier one
// backs off after a failure; different issues run side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateSecret, sampleEvent, signPayload, SqliteInbox } from 'promptfoo-webhooks';
import { cleanups, post, seeded, startServer, tempDir, waitFor } from './support/helpers.mjs';

const SECRET = generateSecret();
const ISSUES = 5;
const EVENTS_PER_ISSUE = 20;

/** Event `seq` of issue `issueId`: created first, then updates; the sequence number rides in data.issue.weakness. */
function issueEvent(issueId, seq) {
  const payload = sampleEvent(seq === 0 ? 'issue.created' : 'issue.updated');
  payload.data.issue.id = issueId;
  payload.data.issue.weakness = `seq ${seq}`;
  return signPayload(payload, SECRET);
}

test('5 issues x 20 events, sent concurrently, with random failures: each issue in order and one at a time, issues in parallel', async (t) => {
  const defer = cleanups(t);
  // maxAttempts 30: at 20% failures no entry should die (0.2^30).
  const inbox = new SqliteInbox(join(tempDir(defer), 'inbox.db'), { retryBaseMs: 10, retryMaxMs: 40, pollMs: 5, maxAttempts: 30 });
  const random = seeded(0x1551e5);
  const log = []; // { kind: 'start' | 'end' | 'fail', issueId, seq, entryId, attempt }
  const runningByIssue = new Map();
  let running = 0;
  let maxRunning = 0;
  let maxRunningOneIssue = 0;
  const url = await startServer(defer, SECRET, inbox, {
    logger: false,
    onEvent: async (event, { entryId, attempt }) => {
      const issueId = event.data.issue.id;
      const seq = Number(event.data.issue.weakness.slice('seq '.length));
      const record = (kind) => log.push({ kind, issueId, seq, entryId, attempt });
      record('start');
      running++;
      runningByIssue.set(issueId, (runningByIssue.get(issueId) ?? 0) + 1);
      maxRunning = Math.max(maxRunning, running);
      maxRunningOneIssue = Math.max(maxRunningOneIssue, runningByIssue.get(issueId));
      const fails = random() < 0.2;
      try {
        await sleep(Math.floor(random() * 21));
        if (fails) throw new Error(`planned failure of ${issueId} seq ${seq}`);
      } finally {
        running--;
        runningByIssue.set(issueId, runningByIssue.get(issueId) - 1);
        record(fails ? 'fail' : 'end');
      }
    },
  });

  // One sender per issue, all at once: an issue's events go in order, the issues interleave.
  const issueIds = Array.from({ length: ISSUES }, (_, i) => `order-issue-${i}`);
  const answers = await Promise.all(
    issueIds.map(async (issueId) => {
      const statuses = [];
      for (let seq = 0; seq < EVENTS_PER_ISSUE; seq++) {
        const { body, headers } = issueEvent(issueId, seq);
        statuses.push((await post(url, body, headers)).status);
      }
      return statuses;
    }),
  );
  assert.deepEqual(answers.flat(), new Array(ISSUES * EVENTS_PER_ISSUE).fill(200));

  const total = ISSUES * EVENTS_PER_ISSUE;
  const counts = await waitFor(async () => ((await inbox.counts()).done === total ? inbox.counts() : undefined), { ms: 20_000, everyMs: 20 });
  assert.deepEqual(counts, { pending: 0, leased: 0, done: total, dead: 0 });
  const failures = log.filter((e) => e.kind === 'fail').length;
  t.diagnostic(`${log.filter((e) => e.kind === 'start').length} attempts, ${failures} failed; at most ${maxRunning} handlers at once`);
  assert.ok(failures > 0, 'some attempts failed, so order held across retries');

  assert.equal(maxRunningOneIssue, 1, 'never two handlers at once for one issue');
  assert.ok(maxRunning > 1, `different issues ran side by side (at most ${maxRunning} at once)`);
  for (const issueId of issueIds) {
    const events = log.filter((e) => e.issueId === issueId);
    const completed = events.filter((e) => e.kind === 'end');
    assert.deepEqual(completed.map((e) => e.seq), [...Array(EVENTS_PER_ISSUE).keys()], `${issueId} completed in the order sent`);
    const entryIds = completed.map((e) => e.entryId);
    assert.deepEqual(entryIds, [...entryIds].sort((a, b) => a - b), `${issueId} completed in the order received`);
    // No attempt of a later event before the earlier ones are done (not even one that fails).
    let doneUpTo = -1;
    for (const e of events) {
      if (e.kind === 'start') assert.equal(e.seq, doneUpTo + 1, `${issueId}: seq ${e.seq} started while seq ${doneUpTo + 1} was not done`);
      if (e.kind === 'end') doneUpTo = e.seq;
    }
  }
});
