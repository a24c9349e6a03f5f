// Sends one signed sample of every webhook event to a receiver: a stand-in
// for Promptfoo Enterprise when you test your own endpoint.
//
//   PROMPTFOO_WEBHOOK_SECRET=<secret> node js-examples/sender.mjs http://127.0.0.1:3000/
//   (or set WEBHOOK_URL instead of passing the URL)
//
// Each payload is serialized exactly as Promptfoo does (`JSON.stringify`),
// signed with HMAC-SHA256 into the `X-Promptfoo-Signature` header by
// `signPayload`, and POSTed. The status of every delivery is printed; the
// exit code is 0 when every one got a 2xx.
import { pathToFileURL } from 'node:url';
import { DELIVERY_TIMEOUT_SECONDS, EVENT_NAMES, sampleEvent, signPayload } from 'promptfoo-webhooks';

/**
 * One payload of each of the nine documented events (the package's samples,
 * written from its wire contract), plus an event name this library does not
 * know (Promptfoo adds events over time; receivers must still accept them).
 * All timestamps are `now`.
 *
 * @param {Date | number} [now]
 * @returns {object[]}
 */
export function sampleEvents(now = Date.now()) {
  const timestamp = new Date(now).toISOString();
  const known = EVENT_NAMES.map((name) => sampleEvent(name, { timestamp }));
  // Not one of the nine: still signed, still verified, delivered with its raw data.
  const unknown = { event: 'issue.archived', timestamp, data: { issueId: known[0].data.issue.id, archivedBy: 'user-123' } };
  return [...known, unknown];
}

/**
 * Signs `payload` and POSTs it to `url`.
 * @returns {Promise<{ status: number, body: string }>}
 */
export async function deliver(url, payload, secret) {
  const { body, headers } = signPayload(payload, secret);
  // As Promptfoo does: it waits DELIVERY_TIMEOUT_SECONDS for an answer and follows no redirect.
  const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(DELIVERY_TIMEOUT_SECONDS * 1000) });
  return { status: response.status, body: await response.text() };
}

// ---------------------------------------------------------------- run it

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const url = process.argv[2] ?? process.env.WEBHOOK_URL;
  const secret = process.env.PROMPTFOO_WEBHOOK_SECRET;
  if (!url || !secret) {
    console.error('usage: PROMPTFOO_WEBHOOK_SECRET=<secret> node js-examples/sender.mjs <url>   (or WEBHOOK_URL=<url>)');
    process.exit(2);
  }
  let failures = 0;
  for (const payload of sampleEvents()) {
    try {
      const { status, body } = await deliver(url, payload, secret);
      if (status < 200 || status > 299) failures++;
      console.log(`${String(status).padEnd(4)}${payload.event.padEnd(24)}${body}`);
    } catch (error) {
      failures++;
      console.log(`ERR ${payload.event.padEnd(24)}${error.cause?.code ?? error.message}`);
    }
  }
  process.exitCode = failures === 0 ? 0 : 1;
}
