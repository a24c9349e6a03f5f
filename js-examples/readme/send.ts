// User guide "Sending and testing": build the event Promptfoo would send for a
// change, sign it and POST it to WEBHOOK_URL (or the first argument).
import type { Issue } from 'promptfoo-webhooks';

const url = process.env.WEBHOOK_URL ?? process.argv[2] ?? 'http://127.0.0.1:3000/webhooks/promptfoo';
const before: Issue = { id: 'issue-1', status: 'open', severity: 'high' };
const after: Issue = { ...before, status: 'fixed', severity: 'low' };

// README:begin send
import { signPayload, issueChangeEvent, generateSecret } from 'promptfoo-webhooks';

const secret = generateSecret(); // 64 hex chars from the platform CSPRNG
const event = issueChangeEvent(before, after, { userId: 'user-123' }); // *_changed, one merged issue.updated, or null
if (event) {
  const { body, headers } = signPayload(event, secret);
  await fetch(url, { method: 'POST', body, headers });
}
// README:end

console.log(JSON.stringify({ secret, event: event?.event }));
