// Scenario: forward Promptfoo findings to a SIEM's HTTP event collector.
//
//   PROMPTFOO_WEBHOOK_SECRET=<secret> SIEM_URL=https://siem.example/collector SIEM_TOKEN=<token> \
//     PORT=3000 node js-examples/scenarios/siem-forwarder.mjs
//
// New issues and issue updates become one flat, normalized record each
// (the shape most collectors index well); everything else is ignored. The
// record keeps the Promptfoo fields a SOC filters on: severity, status,
// plugin, target, and for updates what changed and who changed it.
import { pathToFileURL } from 'node:url';
import { Webhooks } from 'promptfoo-webhooks';
import { requestJson, serveWebhooks } from './http.mjs';

/** The SIEM record for an issue event: flat, stable keys, no nested Promptfoo objects. */
export function toSiemRecord(event) {
  const { issue, eventData, userId } = event.data;
  return {
    source: 'promptfoo',
    kind: event.event === 'issue.created' ? 'finding.opened' : 'finding.updated',
    time: event.timestamp,
    findingId: issue.id,
    severity: issue.severity ?? 'unknown',
    status: issue.status ?? 'unknown',
    plugin: issue.pluginId ?? null,
    weakness: issue.weakness ?? null,
    target: issue.targetId ?? null,
    provider: issue.providerId ?? null,
    organization: issue.organizationId ?? null,
    changes: eventData.changes ?? [],
    actor: userId ?? null,
  };
}

/**
 * The router: issue.created and issue.updated are POSTed to `collectorUrl`.
 * A collector that fails makes the handler throw; the adapter still answers
 * Promptfoo 200 and passes the error to onError (here: logged).
 */
export function createSiemForwarder({ secret, collectorUrl, token, toleranceSeconds = 300, log = console.error }) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  return new Webhooks({ secret, toleranceSeconds })
    .on(['issue.created', 'issue.updated'], (event) => requestJson('POST', collectorUrl, toSiemRecord(event), headers))
    .onError((error) => log(`[siem-forwarder] not forwarded: ${error.message}`));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { PROMPTFOO_WEBHOOK_SECRET: secret, SIEM_URL: collectorUrl, SIEM_TOKEN: token, PORT = '3000' } = process.env;
  if (!secret || !collectorUrl) {
    console.error('usage: PROMPTFOO_WEBHOOK_SECRET=<secret> SIEM_URL=<collector url> [SIEM_TOKEN=<token>] node siem-forwarder.mjs');
    process.exit(2);
  }
  const server = await serveWebhooks(createSiemForwarder({ secret, collectorUrl, token }), { port: Number(PORT) });
  console.log(`Forwarding to ${collectorUrl}; point the Promptfoo webhook at ${server.url}`);
}
