// The ticket-sync scenario (js-examples/scenarios/ticket-sync.mjs) with an
// inbox, against a tracker that is down at first and then loses the answer
// to a comment it did write: every delivery is answered 200 at once, the
// tracker ends in the state the events describe, the ticket is created
// before it is updated, and no comment is written twice (the idempotency
// key is the inbox entry id).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateSecret, sampleEvent, signPayload, SqliteInbox } from 'promptfoo-webhooks';
import { serveWebhooks } from '../../js-examples/scenarios/http.mjs';
import { createTicketSync } from '../../js-examples/scenarios/ticket-sync.mjs';
import { cleanups, tempDir } from './support/helpers.mjs';

const SECRET = generateSecret();

/** A tracker on 127.0.0.1 that is down until `up()`, and fails the first comment per ticket after writing it. */
async function flakyTracker(defer) {
  const tickets = new Map();
  const log = [];
  let down = true;
  const answeredOnce = new Set();
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const body = text ? JSON.parse(text) : undefined;
      const url = new URL(req.url, 'http://tracker');
      const send = (status, answer) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(answer));
      };
      if (down) return send(503, { error: 'maintenance' });
      log.push(`${req.method} ${url.pathname}`);
      const match = url.pathname.match(/^\/api\/tickets(?:\/([A-Z]+-\d+))?(\/comments)?$/);
      if (!match) return send(404, {});
      const [, key, comments] = match;
      if (!key && req.method === 'GET') return send(200, [...tickets.values()].filter((t) => t.externalId === url.searchParams.get('externalId')));
      if (!key && req.method === 'POST') {
        const ticket = { key: `SEC-${tickets.size + 1}`, ...body, comments: [] };
        tickets.set(ticket.key, ticket);
        return send(201, { key: ticket.key });
      }
      const ticket = tickets.get(key);
      if (!ticket) return send(404, {});
      if (comments && req.method === 'POST') {
        // A key seen before is the same comment (what trackers' idempotency keys do).
        if (!ticket.comments.some((c) => c.idempotencyKey !== undefined && c.idempotencyKey === body.idempotencyKey)) ticket.comments.push(body);
        // The first comment on a ticket is written, but its answer is lost.
        if (!answeredOnce.has(key)) {
          answeredOnce.add(key);
          return send(504, { error: 'gateway timeout' });
        }
        return send(201, {});
      }
      if (req.method === 'PATCH') {
        Object.assign(ticket, body);
        return send(200, {});
      }
      return send(405, {});
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${server.address().port}/api`, tickets, log, up: () => (down = false) };
}

test('ticket-sync with an inbox: 200 at once while the tracker is down, then the tracker in step, each comment once', async (t) => {
  const defer = cleanups(t);
  const dir = tempDir(defer);
  const tracker = await flakyTracker(defer);
  const inbox = new SqliteInbox(join(dir, 'ticket-sync.db'), { retryBaseMs: 50, retryMaxMs: 200, pollMs: 20, maxAttempts: 20 });
  const logged = [];
  const receiver = await serveWebhooks(createTicketSync({ secret: SECRET, trackerUrl: tracker.url, log: (line) => logged.push(line) }), { inbox });
  defer(async () => {
    await receiver.close();
    await inbox.close();
  });

  const issue = { ...sampleEvent('issue.created').data.issue, status: 'open', severity: 'high' };
  const events = [
    { event: 'issue.created', timestamp: new Date().toISOString(), data: { issue, eventData: {} } },
    { event: 'issue.updated', timestamp: new Date().toISOString(), data: { issue: { ...issue, status: 'fixed', severity: 'low' }, eventData: { changes: ['status changed to fixed', 'severity changed to low'] }, userId: 'user-7' } },
    { event: 'issue.comment_added', timestamp: new Date().toISOString(), data: { issue: { ...issue, status: 'fixed', severity: 'low' }, eventData: { comment: 'verified by the red team' } } },
  ];
  for (const event of events) {
    const { body, headers } = signPayload(event, SECRET);
    const started = performance.now();
    const response = await fetch(receiver.url, { method: 'POST', body, headers });
    assert.equal(response.status, 200);
    assert.ok(performance.now() - started < 1000);
  }
  await sleep(150); // a few attempts against the tracker while it is down
  assert.equal(tracker.tickets.size, 0);
  tracker.up();
  for (let waited = 0; (await inbox.counts()).done < 3; waited += 20) {
    assert.ok(waited < 10_000, `not synced: ${JSON.stringify(await inbox.counts())}`);
    await sleep(20);
  }
  assert.equal(tracker.tickets.size, 1, 'one ticket: the update did not overtake the creation');
  const ticket = tracker.tickets.get('SEC-1');
  assert.equal(ticket.externalId, issue.id);
  assert.equal(ticket.status, 'Done');
  assert.equal(ticket.priority, 'Low');
  assert.deepEqual(
    ticket.comments.map((c) => c.body),
    ['Promptfoo (by user-7): status changed to fixed; severity changed to low', 'Promptfoo comment: verified by the red team'],
  );
  assert.ok(ticket.comments.every((c) => /^promptfoo-entry-\d+$/.test(c.idempotencyKey)));
  // The lost answer made the update's attempt fail after its comment was written: it ran again.
  assert.ok(logged.some((line) => /issue\.updated/.test(line) && /504/.test(line)), logged.join('\n'));
  assert.deepEqual(await inbox.counts(), { pending: 0, leased: 0, done: 3, dead: 0 });
});
