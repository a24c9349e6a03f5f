// A repeat of a recorded delivery is the same entry: answered 200 with
// duplicate: true, its handler not run again; the signature's case does not
// make it another delivery (the dedupe key is the 32 bytes it decodes to).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateSecret, sampleEvent, signPayload, SqliteInbox } from 'promptfoo-webhooks';
import { cleanups, post, startServer, tempDir, waitFor } from './support/helpers.mjs';

const SECRET = generateSecret();
const SIGNATURE = 'X-Promptfoo-Signature';

function delivery(issueId) {
  const payload = sampleEvent('issue.created');
  payload.data.issue.id = issueId;
  return signPayload(payload, SECRET);
}

test('the same delivery twice at once, again later and with its signature in upper case: one entry, one handler run', async (t) => {
  const defer = cleanups(t);
  const inbox = new SqliteInbox(join(tempDir(defer), 'inbox.db'), { pollMs: 10 });
  const runs = [];
  const url = await startServer(defer, SECRET, inbox, { logger: false, onEvent: (event, { entryId }) => runs.push({ issueId: event.data.issue.id, entryId }) });
  const { body, headers } = delivery('dup-issue');
  assert.match(headers[SIGNATURE], /^[0-9a-f]{64}$/, 'signPayload signs in lower-case hex');

  // Two copies in flight together (often recorded in the same transaction).
  const pair = await Promise.all([post(url, body, headers), post(url, body, headers)]);
  assert.deepEqual(pair.map((a) => a.status), [200, 200]);
  assert.deepEqual(
    pair.map((a) => a.json).sort((a, b) => Number(Boolean(a.duplicate)) - Number(Boolean(b.duplicate))),
    [{ received: 'issue.created' }, { received: 'issue.created', duplicate: true }],
  );
  await waitFor(() => runs.length > 0, { ms: 5000, everyMs: 10 });

  const again = await post(url, body, headers);
  assert.equal(again.status, 200);
  assert.deepEqual(again.json, { received: 'issue.created', duplicate: true });
  const upper = await post(url, body, { ...headers, [SIGNATURE]: headers[SIGNATURE].toUpperCase() });
  assert.equal(upper.status, 200, JSON.stringify(upper.json));
  assert.deepEqual(upper.json, { received: 'issue.created', duplicate: true });

  // Another delivery is another entry: the dedupe does not swallow everything.
  const other = delivery('dup-other-issue');
  assert.deepEqual((await post(url, other.body, other.headers)).json, { received: 'issue.created' });

  await waitFor(() => runs.length >= 2, { ms: 5000, everyMs: 10 });
  await sleep(150); // a second run of the first would show by now (pollMs 10)
  assert.deepEqual(runs.map((r) => r.issueId), ['dup-issue', 'dup-other-issue'], 'the repeated delivery ran once');
  assert.deepEqual(await inbox.counts(), { pending: 0, leased: 0, done: 2, dead: 0 });
  assert.equal((await inbox.list()).length, 2);
});
