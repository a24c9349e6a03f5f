// User guide "Browsers, with a bundler": sign and verify in the page, no init call. Loaded by
// browser.html (an import map points 'promptfoo-webhooks' at pkg/dist/browser.js,
// as a bundler would); what it computed goes to window.__readme for the test.
// README:begin browser
import { generateSecret, signPayload, verify } from 'promptfoo-webhooks';

const secret = generateSecret();
const { body, headers } = signPayload(
  { event: 'issue.created', timestamp: new Date().toISOString(), data: { issue: { id: 'issue-1', severity: 'high' }, eventData: {} } },
  secret,
);
const event = verify(body, headers['X-Promptfoo-Signature'], secret);
console.log(event.event); // 'issue.created'
// README:end

import { WebhookVerificationError } from 'promptfoo-webhooks';

declare global {
  interface Window {
    __readme: unknown;
  }
}

let tampered: string | undefined;
try {
  verify(body.replace('high', 'low!'), headers['X-Promptfoo-Signature'], secret);
} catch (error) {
  tampered = error instanceof WebhookVerificationError ? error.code : String(error);
}
window.__readme = { secret, body, signature: headers['X-Promptfoo-Signature'], event, tampered };
