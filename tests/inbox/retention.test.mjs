// Done entries are kept keepDoneMs (a repeat within it is the same entry),
// then deleted, so the file does not grow without end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteInbox } from 'promptfoo-webhooks';
import { cleanups, tempDir } from './support/helpers.mjs';

const entry = (n) => ({
  body: new TextEncoder().encode(`{"n":${n}}`),
  signature: String(n).padStart(64, '0'),
  webhookId: undefined,
  receivedAt: Date.now(),
  dedupeKey: String(n).padStart(64, '0'),
  orderKey: undefined,
});

test('done entries older than keepDoneMs are deleted at a claim; younger ones still dedupe', async (t) => {
  const defer = cleanups(t);
  const path = join(tempDir(defer), 'inbox.db');
  const first = new SqliteInbox(path);
  for (const n of [1, 2]) await first.record(entry(n));
  const claimed = await first.claim('w', 10, Date.now(), Date.now() + 1000);
  for (const { id } of claimed) await first.ack(id, 'w');
  assert.deepEqual(await first.record(entry(1)), { id: claimed[0].id, duplicate: true }, 'kept: a repeat is the same entry');
  await first.close();

  await sleep(5);
  const later = new SqliteInbox(path, { keepDoneMs: 1 });
  defer(() => later.close());
  assert.equal((await later.counts()).done, 2);
  assert.deepEqual(await later.claim('w', 10, Date.now(), Date.now() + 1000), []);
  assert.equal((await later.counts()).done, 0, 'pruned at the claim');
  const again = await later.record(entry(1));
  assert.equal(again.duplicate, false);
});

test('a file with another schema version is refused by name, not half read', async (t) => {
  const defer = cleanups(t);
  const path = join(tempDir(defer), 'inbox.db');
  new SqliteInbox(path).close();
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(path);
  db.exec('PRAGMA user_version = 7');
  db.close();
  assert.throws(() => new SqliteInbox(path), { code: 'invalid_options', message: /schema version 7/ });
});
