import { signPayload, issueChangeEvent, generateSecret, type Issue } from 'promptfoo-webhooks';

declare const url: string;
declare const before: Issue;
declare const after: Issue;

const secret = generateSecret(); // 64 hex chars from the platform CSPRNG
const event = issueChangeEvent(before, after, { userId: 'user-123' }); // *_changed, one merged issue.updated, or null
if (event) {
  const { body, headers } = signPayload(event, secret);
  await fetch(url, { method: 'POST', body, headers });
}
