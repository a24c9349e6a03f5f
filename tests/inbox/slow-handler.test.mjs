// With an inbox the answer never waits for a handler: 20 deliveries to a
// receiver whose handler takes 30 s are each answered 200 in under 1 s,
// while the handlers are running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generateSecret, sampleEvent, signPayload } from 'promptfoo-webhooks';
import { attemptsOf, cleanups, killNow, post, startReceiver, tempDir, waitFor } from './support/helpers.mjs';

const SECRET = generateSecret();

test('a handler that takes 30 s: 20 deliveries are each answered 200 in under 1 s', async (t) => {
  const defer = cleanups(t);
  const dir = tempDir(defer);
  const config = {
    mode: 'slow',
    holdMs: 30_000,
    dbPath: join(dir, 'inbox.db'),
    attemptsLog: join(dir, 'attempts.log'),
    policy: { pollMs: 50 }, // concurrency 8 by default
  };
  const receiver = await startReceiver(defer, SECRET, config);

  for (let i = 0; i < 20; i++) {
    const payload = sampleEvent('issue.created');
    payload.data.issue.id = `slow-issue-${i}`;
    const { body, headers } = signPayload(payload, SECRET);
    const answer = await post(receiver.url, body, headers, { timeoutMs: 2000 });
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.deepEqual(answer.json, { received: 'issue.created' });
    assert.ok(answer.ms < 1000, `delivery ${i} was answered in ${answer.ms.toFixed(0)} ms`);
  }

  // The handlers did start (and are still at it): the answers did not wait for them.
  const started = await waitFor(() => (attemptsOf(config.attemptsLog).length >= 8 ? attemptsOf(config.attemptsLog) : undefined), {
    ms: 5000,
  }) ?? attemptsOf(config.attemptsLog);
  assert.equal(started.length, 8, 'as many handlers running as the concurrency allows');
  await killNow(receiver); // not 30 s
});
