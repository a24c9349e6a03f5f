// The scenarios in js-examples/scenarios/, end to end over HTTP on 127.0.0.1:
// signed deliveries (sender.mjs) -> the scenario's receiver -> a small
// in-memory stand-in for the system it feeds (SIEM collector, tracker, chat
// webhook), whose final state is what the tests check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { generateSecret, issueChangeEvent } from 'promptfoo-webhooks';
import { deliver, sampleEvents } from '../../js-examples/sender.mjs';
import { serveWebhooks } from '../../js-examples/scenarios/http.mjs';
import { createSiemForwarder } from '../../js-examples/scenarios/siem-forwarder.mjs';
import { createTicketSync } from '../../js-examples/scenarios/ticket-sync.mjs';
import { createNotifier } from '../../js-examples/scenarios/notifications.mjs';

const SECRET = generateSecret();
const NOW = Date.now(); // the scenarios keep a 300 s replay window
const samples = sampleEvents(NOW);
const byName = (name) => samples.find((e) => e.event === name);
const ISSUE = byName('issue.created').data.issue; // high, open
const timestamp = new Date(NOW).toISOString();

/** An issue event for `issue` (created, comment_added) at NOW. */
const issueEvent = (event, issue, eventData = {}) => ({ event, timestamp, data: { issue, eventData } });

/**
 * A stand-in HTTP service on 127.0.0.1: `route(method, url, json)` returns
 * `[status, answer]`. Every request is kept in `requests`.
 */
async function standIn(route) {
  const requests = [];
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    requests.push({ method: req.method, url: req.url, body, authorization: req.headers.authorization });
    const [status, answer] = await route(req.method, req.url, body);
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(answer === undefined ? '' : JSON.stringify(answer));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

/** Serves `webhooks`, delivers `events` in order (each must get 200), then closes. */
async function deliverAll(webhooks, events) {
  const receiver = await serveWebhooks(webhooks);
  try {
    for (const event of events) {
      const { status, body } = await deliver(receiver.url, event, SECRET);
      assert.equal(status, 200, `${event.event}: ${body}`);
    }
  } finally {
    await receiver.close();
  }
}

// ---------------------------------------------------------------- SIEM

test('siem-forwarder: issue.created and issue.updated arrive at the collector as normalized records', async () => {
  const collector = await standIn(() => [200, { ok: true }]);
  const logged = [];
  try {
    const forwarder = createSiemForwarder({ secret: SECRET, collectorUrl: `${collector.url}/collect`, token: 'siem-token', log: (l) => logged.push(l) });
    await deliverAll(forwarder, samples); // all ten sample events; only two kinds are forwarded
    assert.equal(collector.requests.length, 2);
    for (const request of collector.requests) {
      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/collect');
      assert.equal(request.authorization, 'Bearer siem-token');
    }
    const [opened, updated] = collector.requests.map((r) => r.body);
    assert.deepEqual(opened, {
      source: 'promptfoo',
      kind: 'finding.opened',
      time: timestamp,
      findingId: ISSUE.id,
      severity: 'high',
      status: 'open',
      plugin: 'harmful:privacy',
      weakness: 'PII leak',
      target: 'target-chatbot-prod',
      provider: 'openai:gpt-4o-mini',
      organization: 'org-7d0e1b',
      changes: [],
      actor: null,
    });
    assert.equal(updated.kind, 'finding.updated');
    assert.equal(updated.status, 'fixed');
    assert.equal(updated.severity, 'low');
    assert.deepEqual(updated.changes, ['status changed to fixed', 'severity changed to low']);
    assert.equal(updated.actor, 'user-123');
    assert.deepEqual(logged, []);
  } finally {
    await collector.close();
  }
});

test('siem-forwarder: a collector that fails is logged, and Promptfoo still gets 200', async () => {
  const collector = await standIn(() => [503, { error: 'busy' }]);
  const logged = [];
  try {
    const forwarder = createSiemForwarder({ secret: SECRET, collectorUrl: collector.url, log: (l) => logged.push(l) });
    await deliverAll(forwarder, [byName('issue.created')]);
    assert.equal(logged.length, 1);
    assert.match(logged[0], /not forwarded: .*answered 503/);
  } finally {
    await collector.close();
  }
});

// ---------------------------------------------------------------- tracker

/** A tiny JIRA-like REST tracker kept in memory. */
function trackerRoutes() {
  const tickets = new Map();
  const route = (method, url, body) => {
    const { pathname, searchParams } = new URL(url, 'http://tracker');
    const match = pathname.match(/^\/api\/tickets(?:\/([A-Z]+-\d+))?(\/comments)?$/);
    if (!match) return [404, { error: 'no such route' }];
    const [, key, comments] = match;
    if (!key && method === 'GET') return [200, [...tickets.values()].filter((t) => t.externalId === searchParams.get('externalId'))];
    if (!key && method === 'POST') {
      const ticket = { key: `SEC-${tickets.size + 1}`, ...body, comments: [] };
      tickets.set(ticket.key, ticket);
      return [201, { key: ticket.key }];
    }
    const ticket = tickets.get(key);
    if (!ticket) return [404, { error: `no ticket ${key}` }];
    if (comments && method === 'POST') {
      ticket.comments.push(body.body);
      return [201, { id: ticket.comments.length }];
    }
    if (!comments && method === 'PATCH') {
      Object.assign(ticket, body);
      return [204, undefined];
    }
    return [405, { error: 'method not allowed' }];
  };
  return { tickets, route };
}

test('ticket-sync: a ticket is created, follows status and severity, and collects the comments', async () => {
  const { tickets, route } = trackerRoutes();
  const tracker = await standIn(route);
  const logged = [];
  try {
    const sync = createTicketSync({ secret: SECRET, trackerUrl: `${tracker.url}/api`, log: (l) => logged.push(l) });
    const escalated = { ...ISSUE, severity: 'critical' };
    const fixed = { ...escalated, status: 'fixed', severity: 'low' };
    // A second issue whose first event is a status change: its ticket is made on the fly.
    const other = { ...ISSUE, id: 'issue-2', weakness: 'Prompt injection', status: 'open' };
    await deliverAll(sync, [
      issueEvent('issue.created', ISSUE),
      issueEvent('issue.comment_added', ISSUE, { comment: 'Reproduced on staging.' }),
      issueChangeEvent(ISSUE, escalated, { timestamp }), // issue.severity_changed
      issueChangeEvent(escalated, fixed, { timestamp, userId: 'user-123' }), // issue.updated, two changes
      issueChangeEvent(other, { ...other, status: 'fixed' }, { timestamp }), // issue.status_changed
      byName('evaluation.completed'), // not the tracker's business
    ]);
    assert.deepEqual(logged, []);
    assert.equal(tickets.size, 2);

    const first = tickets.get('SEC-1');
    assert.equal(first.externalId, ISSUE.id);
    assert.equal(first.summary, '[Promptfoo] PII leak on target-chatbot-prod');
    assert.deepEqual(first.labels, ['promptfoo', 'severity:high']);
    assert.equal(first.status, 'Done');
    assert.equal(first.priority, 'Low');
    assert.deepEqual(first.comments, [
      'Promptfoo comment: Reproduced on staging.',
      'Promptfoo: severity changed to critical',
      'Promptfoo (by user-123): status changed to fixed; severity changed to low',
    ]);

    const second = tickets.get('SEC-2');
    assert.equal(second.externalId, 'issue-2');
    assert.equal(second.summary, '[Promptfoo] Prompt injection on target-chatbot-prod');
    assert.equal(second.status, 'Done');
    assert.deepEqual(second.comments, ['Promptfoo: status changed to fixed']);
  } finally {
    await tracker.close();
  }
});

// ---------------------------------------------------------------- chat

test('notifications: critical/high to #security-oncall, the rest to #security-digest, dull changes dropped', async () => {
  const chat = await standIn(() => [200, { ok: true }]);
  try {
    const notifier = createNotifier({ secret: SECRET, chatUrl: `${chat.url}/hooks/abc` });
    const medium = { ...ISSUE, id: 'issue-m', severity: 'medium', weakness: 'Jailbreak' };
    const critical = { ...ISSUE, id: 'issue-c', severity: 'critical', weakness: 'Data exfiltration' };
    await deliverAll(notifier, [
      issueEvent('issue.created', ISSUE), // high -> oncall
      issueEvent('issue.created', medium), // medium -> digest
      issueEvent('issue.created', critical), // critical -> oncall
      issueChangeEvent(medium, { ...medium, severity: 'high' }, { timestamp }), // escalation -> oncall
      issueChangeEvent(ISSUE, { ...ISSUE, severity: 'low' }, { timestamp }), // de-escalation: nobody cares
      issueChangeEvent(medium, { ...medium, status: 'fixed' }, { timestamp }), // status -> digest
      issueEvent('issue.comment_added', critical, { comment: 'looking' }), // not a notification
      byName('evaluation.failed'), // no issue: no notification
    ]);
    const messages = chat.requests.map((r) => r.body);
    const inChannel = (channel) => messages.filter((m) => m.channel === channel).map((m) => m.text);
    assert.deepEqual(inChannel('#security-oncall'), [
      `[HIGH] new Promptfoo finding: PII leak on target-chatbot-prod (${ISSUE.id})`,
      '[CRITICAL] new Promptfoo finding: Data exfiltration on target-chatbot-prod (issue-c)',
      '[HIGH] Jailbreak on target-chatbot-prod (issue-m): severity changed to high',
    ]);
    assert.deepEqual(inChannel('#security-digest'), [
      '[MEDIUM] new Promptfoo finding: Jailbreak on target-chatbot-prod (issue-m)',
      '[MEDIUM] Jailbreak on target-chatbot-prod (issue-m): status changed to fixed',
    ]);
    assert.equal(messages.length, 5);
  } finally {
    await chat.close();
  }
});

// ---------------------------------------------------------------- as programs

/** Starts a scenario as its README says (PORT=0 here), resolves to its URL and the child. */
function startProgram(file, env) {
  const child = spawn(process.execPath, [fileURLToPath(new URL(`../../js-examples/scenarios/${file}`, import.meta.url))], {
    env: { ...process.env, PROMPTFOO_WEBHOOK_SECRET: SECRET, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const url = out.match(/at (http:\/\/127\.0\.0\.1:\d+\/\S+)/)?.[1];
      if (url) resolve({ url, child });
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before listening: ${out}`)));
  });
}

test('each scenario runs as a program from its environment variables', { timeout: 20_000 }, async () => {
  const sink = await standIn((method, url) => (url.startsWith('/api/tickets?') ? [200, []] : [201, { key: 'SEC-1' }]));
  const programs = [
    ['siem-forwarder.mjs', { SIEM_URL: `${sink.url}/siem` }],
    ['ticket-sync.mjs', { TRACKER_URL: `${sink.url}/api` }],
    ['notifications.mjs', { CHAT_WEBHOOK_URL: `${sink.url}/chat` }],
  ];
  try {
    for (const [file, env] of programs) {
      const { url, child } = await startProgram(file, env);
      try {
        const { status } = await deliver(url, byName('issue.created'), SECRET);
        assert.equal(status, 200, file);
      } finally {
        child.kill();
      }
    }
    assert.deepEqual(
      sink.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`),
      ['POST /siem', 'GET /api/tickets', 'POST /api/tickets', 'POST /chat'],
    );
  } finally {
    await sink.close();
  }
});
