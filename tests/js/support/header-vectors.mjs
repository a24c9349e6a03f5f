// The shared header vectors (tests/vectors/signature-forms.json and
// webhook-ids.json) run through one entry of the package's public API,
// for tests/js/header-vectors.test.mjs: in its own process, and in the
// child (webcrypto-peer.mjs) where the portable entry verifies with
// WebCrypto. Each row is { label, got, want }; the test asserts each.
import { readFileSync } from 'node:fs';

const vectors = (name) => JSON.parse(readFileSync(new URL(`../../vectors/${name}`, import.meta.url), 'utf8'));
export const SIGNATURE_FORMS = vectors('signature-forms.json');
export const WEBHOOK_IDS = vectors('webhook-ids.json');

const DEDUPE_PREFIX = 'promptfoo-webhooks:';

/** The secret's index, or the error code. */
async function outcome(call) {
  try {
    return (await call()).secretIndex;
  } catch (error) {
    return error.code ?? String(error);
  }
}

/** A dedupe store that accepts every delivery and keeps the keys it was asked. */
function recordingStore() {
  const keys = [];
  return { keys, claim: (key) => (keys.push(key), true) };
}

/** Every signature form on every verifying surface of `api` (an entry's exports). */
export async function signatureRows(api) {
  const { secret, body, cases } = SIGNATURE_FORMS;
  const rows = [];
  const webhook = new api.Webhook(secret);
  for (const { name, header, bytes, code } of cases) {
    const want = code ?? 0;
    const row = (surface, got, expected = want) => rows.push({ label: `${name}: ${surface}`, got, want: expected });
    row('verify()', await outcome(() => api.verify(body, header, secret)));
    row('Webhook#verify', await outcome(() => webhook.verify(body, header)));
    const store = recordingStore();
    const once = new api.Webhook(secret, { dedupe: { store } });
    row('Webhook#verifyOnce', await outcome(() => once.verifyOnce(body, header)));
    // Claimed only once verified, by the bytes the header decodes to.
    row('Webhook#verifyOnce dedupe key', store.keys, code === undefined ? [DEDUPE_PREFIX + bytes] : []);
    row('verifySignature()', api.verifySignature(body, header, secret), code === undefined);
    row('verifySignatureAsync()', await api.verifySignatureAsync(body, header, secret), code === undefined);
  }
  return rows;
}

/** Every webhook id on every surface of `api` that reads it, with and without a secret for deliveries without it. */
export async function webhookIdRows(api) {
  const { webhooks, withoutHeader, cases } = WEBHOOK_IDS;
  const body = JSON.stringify({ event: 'evaluation.created', timestamp: '2025-03-14T12:34:56Z', data: { jobId: 'job-1' } });
  const byFunction = (id) => (Object.hasOwn(webhooks, id) ? webhooks[id] : undefined);
  const rows = [];
  for (const fallback of [withoutHeader, undefined]) {
    const surfaces = {
      'verify()': (signature, webhookId) => api.verify(body, signature, fallback, { webhookSecrets: webhooks, webhookId }),
      'Webhook#verify, an object': (signature, webhookId) => new api.Webhook(fallback, { webhookSecrets: webhooks }).verify(body, signature, webhookId),
      'Webhook#verify, a function': (signature, webhookId) => new api.Webhook(fallback, { webhookSecrets: byFunction }).verify(body, signature, webhookId),
      'Webhook#verifyOnce': (signature, webhookId) =>
        new api.Webhook(fallback, { webhookSecrets: webhooks, dedupe: { store: recordingStore() } }).verifyOnce(body, signature, webhookId),
    };
    for (const { name, header, picks, code } of cases) {
      // Signed with the picked webhook's secret: only its secrets verify it.
      const signature = api.sign(body, picks === null || picks === undefined ? withoutHeader : webhooks[picks]);
      const want = code ?? (picks === null && fallback === undefined ? 'unknown_webhook' : 0);
      for (const [surface, verifyWith] of Object.entries(surfaces)) {
        const label = `${name}, ${fallback === undefined ? 'no' : 'a'} secret without the header: ${surface}`;
        rows.push({ label, got: await outcome(() => verifyWith(signature, header)), want });
      }
    }
  }
  return rows;
}
