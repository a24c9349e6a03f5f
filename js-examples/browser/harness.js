// Exercises the package's browser build in the page: build events, sign,
// verify, reject a tampered body, canonicalize tricky JSON. Each check is a
// row of the table; everything it computed goes to `window.__results` so an
// outside test (tests/js/chromium.test.mjs) can recheck it against Node.
import {
  canonicalize,
  generateSecret,
  issueChangeEvent,
  signPayload,
  verify,
  Webhook,
  WebhookVerificationError,
  SIGNATURE_HEADER,
} from 'promptfoo-webhooks';

const results = {
  ok: true,
  userAgent: navigator.userAgent,
  secret: '',
  checks: [], // { name, ok, detail }: what the table shows
  deliveries: [], // { name, body, signature, verifiedEvent, verifiedFromBytes, verifiedFromRequest }
  tampered: null, // { code, isWebhookVerificationError, hint }
  canonical: [], // { input, output, expected }: expected is this page's JSON.stringify(JSON.parse(input))
  rejected: [], // { input, code }: texts JSON.parse rejects
};

function check(name, ok, detail = '') {
  results.checks.push({ name, ok, detail });
  if (!ok) results.ok = false;
  const row = document.createElement('tr');
  for (const [text, cls] of [[name], [ok ? 'pass' : 'FAIL', ok ? 'pass' : 'fail'], [detail, 'detail']]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    if (cls) cell.className = cls;
    row.append(cell);
  }
  document.getElementById('checks').append(row);
}

/** The error `fn` throws, or an Error saying it did not throw. */
function errorOf(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return new Error('did not throw');
}

async function run() {
  const secret = generateSecret();
  results.secret = secret;
  check('generateSecret', /^[0-9a-f]{64}$/.test(secret), secret);

  // Events as a sender builds them: one hand-written, three from issue changes.
  const timestamp = '2026-01-02T03:04:05.000Z';
  const before = { id: 'issue-1', pluginId: 'harmful:privacy', status: 'open', severity: 'high', weakness: 'PII leak \u2014 caf\u00e9 \u{1f600}' };
  const events = [
    ['issue.created', { event: 'issue.created', timestamp, data: { issue: before, eventData: {} } }],
    ['status change', issueChangeEvent(before, { ...before, status: 'fixed' }, { timestamp })],
    ['severity change', issueChangeEvent(before, { ...before, severity: 'low' }, { timestamp })],
    ['two changes', issueChangeEvent(before, { ...before, status: 'fixed', severity: 'low' }, { timestamp, userId: 'user-123' })],
  ];
  check('issueChangeEvent', events.slice(1).map(([, e]) => e.event).join() === 'issue.status_changed,issue.severity_changed,issue.updated', events.slice(1).map(([, e]) => e.event).join(', '));
  check('issueChangeEvent: no change is null', issueChangeEvent(before, { ...before }, { timestamp }) === null);

  const webhook = new Webhook(secret);
  for (const [name, event] of events) {
    const { body, headers } = signPayload(event, secret);
    const signature = headers[SIGNATURE_HEADER];
    const verifiedEvent = verify(body, signature, secret);
    const verifiedFromBytes = verify(new TextEncoder().encode(body), signature, secret);
    const request = new Request(location.href, { method: 'POST', body, headers });
    const verifiedFromRequest = await webhook.verifyRequest(request);
    results.deliveries.push({ name, body, signature, verifiedEvent, verifiedFromBytes, verifiedFromRequest });
    const same = [verifiedEvent, verifiedFromBytes, verifiedFromRequest].every((e) => JSON.stringify(e) === body);
    check(`sign + verify: ${name}`, same && body === JSON.stringify(event), `${event.event} ${signature}`);
  }

  // One changed character after signing must fail with signature_mismatch.
  const { body, headers } = signPayload(events[0][1], secret);
  const error = errorOf(() => verify(body.replace('"high"', '"low"'), headers[SIGNATURE_HEADER], secret));
  results.tampered = { code: error.code, isWebhookVerificationError: error instanceof WebhookVerificationError, hint: error.hint };
  check('tampered body rejected', error instanceof WebhookVerificationError && error.code === 'signature_mismatch', `${error.code}: ${error.message}`);

  // Lone surrogates can sit in a JS string but not in UTF-8; canonicalize
  // must still print what V8 prints.
  const texts = [
    '{"b":1,"a":2,"1":3,"0":4,"a":5}',
    '[1e21,1e-7,0.000001,-0,1E400,5e-324,0.1]',
    '"\\u2028\\u2029\\u007f\\u001f\\ud800 \\udc00 \\ud83d\\ude00"',
    '"a\ud800b"',
    '["\udc00", "\ud83d", "\ud83d\ude00"]',
    '{"\ud800":1, "__proto__": {"x": []}}',
  ];
  for (const input of texts) {
    const output = canonicalize(input);
    const expected = JSON.stringify(JSON.parse(input));
    results.canonical.push({ input, output, expected });
    check(`canonicalize ${JSON.stringify(input)}`, output === expected, JSON.stringify(output));
  }
  for (const input of ['\ud800', '[1,]', '{"a":1']) {
    const { code } = errorOf(() => canonicalize(input));
    results.rejected.push({ input, code });
    check(`canonicalize rejects ${JSON.stringify(input)}`, code === 'invalid_json', code);
  }
}

try {
  await run();
} catch (error) {
  results.ok = false;
  results.error = String(error?.stack ?? error);
  check('harness finished', false, results.error);
}
document.getElementById('summary').textContent = results.ok
  ? `All ${results.checks.length} checks passed.`
  : `${results.checks.filter((c) => !c.ok).length} of ${results.checks.length} checks FAILED.`;
window.__results = results;
