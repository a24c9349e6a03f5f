// kill -9 with acknowledged deliveries: every 200 is a promise kept. A
// receiver child answers 100 deliveries and is SIGKILLed right after the
// 100th 200, with handlers mid-run; a new child on the same file does what
// was left, and each entry's side effect (keyed by entry id) happens once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generateSecret, sampleEvent, signPayload, SqliteInbox } from 'promptfoo-webhooks';
import { attemptsOf, cleanups, effectsDb, killNow, pool, post, startReceiver, tempDir, waitFor } from './support/helpers.mjs';

const SECRET = generateSecret();
const POLICY = { leaseMs: 1500, retryBaseMs: 100, pollMs: 50 };

/** 100 distinct deliveries: 60 issues of one event each, 10 issues of four. */
function deliveries() {
  return Array.from({ length: 100 }, (_, i) => {
    const issueId = i < 60 ? `crash-issue-${i}` : `crash-shared-${i % 10}`;
    const payload = sampleEvent(i < 70 ? 'issue.created' : 'issue.updated');
    payload.data.issue.id = issueId;
    payload.data.issue.weakness = `delivery ${i}`;
    return { issueId, ...signPayload(payload, SECRET) };
  });
}

test('kill -9 right after 100 acknowledged deliveries: after a restart each has its effect once, none is lost', async (t) => {
  const defer = cleanups(t);
  const dir = tempDir(defer);
  const effects = effectsDb(defer, dir);
  const config = {
    mode: 'effects',
    dbPath: join(dir, 'inbox.db'),
    effectsPath: effects.path,
    attemptsLog: join(dir, 'attempts.log'),
    sleepMaxMs: 400,
    policy: POLICY,
  };
  const sent = deliveries();

  const first = await startReceiver(defer, SECRET, config);
  const answers = await pool(sent, 5, ({ body, headers }) => post(first.url, body, headers));
  await killNow(first); // right after the 100th 200
  for (const [i, answer] of answers.entries()) {
    assert.equal(answer.status, 200, `delivery ${i}: ${JSON.stringify(answer.json)}`);
    assert.equal(answer.json.duplicate, undefined);
  }

  const startedBeforeKill = attemptsOf(config.attemptsLog);
  const doneBeforeKill = new Set(effects.rows().map((row) => row.entry_id));
  assert.ok(
    startedBeforeKill.length > doneBeforeKill.size,
    `some handlers were mid-run at kill time (${startedBeforeKill.length} starts, ${doneBeforeKill.size} effects)`,
  );
  assert.ok(doneBeforeKill.size < 100, 'the kill came before the work was done');
  t.diagnostic(`at kill time: ${startedBeforeKill.length} handler starts, ${doneBeforeKill.size} effects`);

  const second = await startReceiver(defer, SECRET, config);
  const rows = await waitFor(() => {
    const all = effects.rows();
    return all.length >= 100 ? all : undefined;
  }, { ms: 20_000 }) ?? effects.rows();
  assert.equal(rows.length, 100, `every acknowledged delivery has its effect (stderr: ${second.stderr()})`);
  assert.equal(new Set(rows.map((row) => row.entry_id)).size, 100, 'one effect per entry id');
  assert.deepEqual(
    rows.map((row) => row.issue_id).sort(),
    sent.map((d) => d.issueId).sort(),
    'the effects are about exactly the issues sent',
  );

  // An entry whose handler was cut off before its effect ran again in the new process.
  const restarted = attemptsOf(config.attemptsLog).filter((line) => line.pid === second.child.pid);
  for (const { entryId } of startedBeforeKill.filter((line) => !doneBeforeKill.has(line.entryId))) {
    assert.ok(restarted.some((line) => line.entryId === entryId && line.attempt >= 2), `entry ${entryId} was run again after the kill`);
  }

  // The ack follows the effect: wait for the last ones, then read the file as it stands.
  const inbox = new SqliteInbox(config.dbPath);
  defer(() => inbox.close());
  const counts = await waitFor(async () => {
    const now = await inbox.counts();
    return now.done === 100 ? now : undefined;
  }, { ms: 5000 }) ?? (await inbox.counts());
  assert.deepEqual(counts, { pending: 0, leased: 0, done: 100, dead: 0 });
});
