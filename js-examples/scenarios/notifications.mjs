// Scenario: post Promptfoo findings to chat, routed by severity.
//
//   PROMPTFOO_WEBHOOK_SECRET=<secret> CHAT_WEBHOOK_URL=https://chat.example/hooks/abc \
//     PORT=3000 node js-examples/scenarios/notifications.mjs
//
//   critical / high  -> #security-oncall (someone acts now)
//   everything else  -> #security-digest (read once a day)
// New issues always post. Changes post only when the team cares about them
// (`careAbout`, by default: status changes, and escalations to critical or
// high); e.g. "severity changed to low" alone stays quiet. The chat side is
// any incoming-webhook URL taking { channel, text }.
import { pathToFileURL } from 'node:url';
import { Webhooks } from 'promptfoo-webhooks';
import { requestJson, serveWebhooks } from './http.mjs';

export const URGENT = ['critical', 'high'];
export const NOT_URGENT = ['medium', 'low', 'informational'];
export const DEFAULT_CARE_ABOUT = [/^status changed/, /^severity changed to (critical|high)$/];
const CHANGE_EVENTS = ['issue.updated', 'issue.status_changed', 'issue.severity_changed'];

/** One chat line: severity, what, where, and what changed. */
export function messageFor(event) {
  const { issue, eventData } = event.data;
  const what = `${issue.weakness ?? issue.pluginId ?? 'finding'} on ${issue.targetId ?? 'unknown target'} (${issue.id})`;
  const label = `[${(issue.severity ?? 'unknown').toUpperCase()}]`;
  if (event.event === 'issue.created') return `${label} new Promptfoo finding: ${what}`;
  return `${label} ${what}: ${(eventData.changes ?? []).join('; ')}`;
}

export function createNotifier({
  secret,
  chatUrl,
  careAbout = DEFAULT_CARE_ABOUT,
  oncallChannel = '#security-oncall',
  digestChannel = '#security-digest',
  toleranceSeconds = 300,
  log = console.error,
}) {
  const post = (channel) => (event) => requestJson('POST', chatUrl, { channel, text: messageFor(event) });
  return new Webhooks({ secret, toleranceSeconds })
    .on('issue.created', post(oncallChannel), { severity: URGENT })
    .on('issue.created', post(digestChannel), { severity: NOT_URGENT })
    .on(CHANGE_EVENTS, post(oncallChannel), { severity: URGENT, change: careAbout })
    .on(CHANGE_EVENTS, post(digestChannel), { severity: NOT_URGENT, change: careAbout })
    .onError((error) => log(`[notifications] not posted: ${error.message}`));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { PROMPTFOO_WEBHOOK_SECRET: secret, CHAT_WEBHOOK_URL: chatUrl, PORT = '3000' } = process.env;
  if (!secret || !chatUrl) {
    console.error('usage: PROMPTFOO_WEBHOOK_SECRET=<secret> CHAT_WEBHOOK_URL=<url> node notifications.mjs');
    process.exit(2);
  }
  const server = await serveWebhooks(createNotifier({ secret, chatUrl }), { port: Number(PORT) });
  console.log(`Posting to ${chatUrl}; point the Promptfoo webhook at ${server.url}`);
}
