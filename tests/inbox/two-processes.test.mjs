// Two receiver processes on one inbox file: deliveries spread over both,
// each entry is leased to one of them at a time (the lease renewed while its
// handler runs), so every entry runs once and has its effect once, and none
// is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generateSecret, sampleEvent, signPayload, SqliteInbox } from 'promptfoo-webhooks';
import { attemptsOf, cleanups, effectsDb, pool, post, startReceiver, tempDir, waitFor } from './support/helpers.mjs';

const SECRET = generateSecret();
const COUNT = 120;

test('two receiver processes on one file: every entry runs once, in one of them, and none is lost', async (t) => {
  const defer = cleanups(t);
  const dir = tempDir(defer);
  const effects = effectsDb(defer, dir);
  const config = {
    mode: 'effects',
    dbPath: join(dir, 'inbox.db'),
    effectsPath: effects.path,
    attemptsLog: join(dir, 'attempts.log'),
    // A third of the handlers outlast the lease: only its renewal keeps the other process off them.
    sleepMaxMs: 900,
    policy: { leaseMs: 600, retryBaseMs: 100, pollMs: 50 },
  };
  // One after the other: the first creates the file, then both share it.
  const receivers = [await startReceiver(defer, SECRET, config), await startReceiver(defer, SECRET, config)];

  const sent = Array.from({ length: COUNT }, (_, i) => {
    // 90 issues of one event, 10 of three: shared issues cross the two processes.
    const issueId = i < 90 ? `shared-file-issue-${i}` : `shared-file-multi-${i % 10}`;
    const payload = sampleEvent(i < 100 ? 'issue.created' : 'issue.updated');
    payload.data.issue.id = issueId;
    payload.data.issue.weakness = `delivery ${i}`;
    return { issueId, ...signPayload(payload, SECRET) };
  });
  // A quarter to the second process: it also takes over entries the first recorded but has no room for.
  const answers = await pool(sent, 6, ({ body, headers }, i) => post(receivers[i % 4 === 0 ? 1 : 0].url, body, headers));
  assert.deepEqual(answers.map((a) => a.status), new Array(COUNT).fill(200));

  const rows = await waitFor(() => {
    const all = effects.rows();
    return all.length >= COUNT ? all : undefined;
  }, { ms: 20_000 }) ?? effects.rows();
  const stderr = receivers.map((r) => r.stderr()).join('\n');
  assert.equal(rows.length, COUNT, `every delivery has its effect (stderr: ${stderr})`);
  assert.deepEqual(rows.map((row) => row.issue_id).sort(), sent.map((d) => d.issueId).sort(), 'no delivery lost, none made up');

  // Nothing failed and nobody died, so an entry run twice would mean two processes held it.
  const starts = attemptsOf(config.attemptsLog);
  const byEntry = Map.groupBy(starts, (line) => line.entryId);
  assert.equal(byEntry.size, COUNT);
  for (const [entryId, lines] of byEntry) assert.equal(lines.length, 1, `entry ${entryId} ran ${lines.length} times: ${JSON.stringify(lines)}`);
  const pids = new Set(starts.map((line) => line.pid));
  assert.deepEqual(pids, new Set(receivers.map((r) => r.child.pid)), 'both processes did work');
  t.diagnostic(`runs per process: ${receivers.map((r) => starts.filter((l) => l.pid === r.child.pid).length).join(', ')}`);

  // The acks follow the effects by a moment.
  const inbox = new SqliteInbox(config.dbPath);
  defer(() => inbox.close());
  const counts = await waitFor(async () => ((await inbox.counts()).done === COUNT ? inbox.counts() : undefined), { ms: 5000 }) ?? (await inbox.counts());
  assert.deepEqual(counts, { pending: 0, leased: 0, done: COUNT, dead: 0 });
});
