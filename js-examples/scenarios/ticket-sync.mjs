// Scenario: keep a JIRA-like tracker in step with Promptfoo issues.
//
//   PROMPTFOO_WEBHOOK_SECRET=<secret> TRACKER_URL=https://tracker.example/api TRACKER_TOKEN=<token> \
//     PORT=3000 INBOX=./ticket-sync.db node js-examples/scenarios/ticket-sync.mjs
//
// With INBOX (Node 22.13+), each verified delivery is on disk before the
// 200, and the handlers run from there with retries: a tracker that is down
// for an hour loses nothing. A retried attempt may repeat work an earlier
// attempt did before failing, so every write is idempotent: the ticket is
// found by the issue id before one is created, and each comment carries an
// idempotency key made of the inbox entry id, which the tracker uses to
// drop a repeat. Per-issue order means an update never overtakes the
// creation of its ticket.
//
//   issue.created                         -> a ticket (summary, priority from severity, status from status)
//   issue.updated / status_changed /
//   issue.severity_changed                -> the ticket's status and priority follow the issue, and a
//                                            comment lists what changed (and who changed it)
//   issue.comment_added                   -> the comment is copied onto the ticket
// The tracker's API (adapt the paths to yours):
//   GET  /tickets?externalId=<issue id>   -> [{ key, ... }]
//   POST /tickets { summary, description, priority, status, labels, externalId } -> { key }
//   PATCH /tickets/<key> { status, priority }
//   POST /tickets/<key>/comments { body, idempotencyKey? }   (a key seen before: the same comment, not a second one)
// Promptfoo has no event ids and does not retry, so the issue id is the link:
// an update for an issue with no ticket yet (created before the webhook
// existed) creates the ticket first.
import { pathToFileURL } from 'node:url';
import { SqliteInbox, Webhooks } from 'promptfoo-webhooks';
import { requestJson, serveWebhooks } from './http.mjs';

export const PRIORITY_BY_SEVERITY = { critical: 'Highest', high: 'High', medium: 'Medium', low: 'Low', informational: 'Lowest' };
export const STATUS_BY_ISSUE_STATUS = { open: 'To Do', fixed: 'Done' };

const priorityOf = (issue) => PRIORITY_BY_SEVERITY[issue.severity] ?? 'Medium';
// Other states (false positive, ignored) are kept as sent: a human maps them in the tracker.
const statusOf = (issue) => STATUS_BY_ISSUE_STATUS[issue.status] ?? `Promptfoo: ${issue.status ?? 'unknown'}`;

export function createTicketSync({ secret, trackerUrl, token, toleranceSeconds = 300, log = console.error }) {
  const api = (method, path, body) => requestJson(method, `${trackerUrl}${path}`, body, token ? { Authorization: `Bearer ${token}` } : {});
  // From an inbox, the entry id names this delivery across its attempts.
  const idempotencyKey = (context) => (context === undefined ? undefined : `promptfoo-entry-${context.entryId}`);
  const comment = (key, body, context) => api('POST', `/tickets/${key}/comments`, { body, idempotencyKey: idempotencyKey(context) });

  async function ticketFor(issue) {
    const [existing] = await api('GET', `/tickets?externalId=${encodeURIComponent(issue.id)}`);
    if (existing) return existing.key;
    const created = await api('POST', '/tickets', {
      summary: `[Promptfoo] ${issue.weakness ?? issue.pluginId ?? 'finding'} on ${issue.targetId ?? 'unknown target'}`,
      description: `Promptfoo issue ${issue.id} (plugin ${issue.pluginId ?? 'unknown'}, provider ${issue.providerId ?? 'unknown'}).`,
      priority: priorityOf(issue),
      status: statusOf(issue),
      labels: ['promptfoo', `severity:${issue.severity ?? 'unknown'}`],
      externalId: issue.id,
    });
    return created.key;
  }

  return new Webhooks({ secret, toleranceSeconds })
    .on('issue.created', (event) => ticketFor(event.data.issue))
    .on(['issue.updated', 'issue.status_changed', 'issue.severity_changed'], async (event, context) => {
      const { issue, eventData, userId } = event.data;
      const key = await ticketFor(issue);
      await api('PATCH', `/tickets/${key}`, { status: statusOf(issue), priority: priorityOf(issue) }); // the same state again: harmless
      const who = userId ? ` (by ${userId})` : '';
      await comment(key, `Promptfoo${who}: ${(eventData.changes ?? []).join('; ')}`, context);
    })
    .on('issue.comment_added', async (event, context) => {
      const { issue, eventData } = event.data;
      const key = await ticketFor(issue);
      await comment(key, `Promptfoo comment: ${eventData.comment ?? ''}`, context);
    })
    .onError((error) => log(`[ticket-sync] ${error.event.event} for ${error.event.data?.issue?.id}: ${error.message}`));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { PROMPTFOO_WEBHOOK_SECRET: secret, TRACKER_URL: trackerUrl, TRACKER_TOKEN: token, PORT = '3000', INBOX } = process.env;
  if (!secret || !trackerUrl) {
    console.error('usage: PROMPTFOO_WEBHOOK_SECRET=<secret> TRACKER_URL=<api base> [TRACKER_TOKEN=<token>] [INBOX=<sqlite file>] node ticket-sync.mjs');
    process.exit(2);
  }
  const inbox = INBOX ? new SqliteInbox(INBOX) : undefined;
  const server = await serveWebhooks(createTicketSync({ secret, trackerUrl, token }), { port: Number(PORT), inbox });
  console.log(`Syncing to ${trackerUrl}; point the Promptfoo webhook at ${server.url}`);
}
