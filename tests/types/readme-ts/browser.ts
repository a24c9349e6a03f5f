import { generateSecret, signPayload, verify } from 'promptfoo-webhooks';

const secret = generateSecret();
const { body, headers } = signPayload(
  { event: 'issue.created', timestamp: new Date().toISOString(), data: { issue: { id: 'issue-1', severity: 'high' }, eventData: {} } },
  secret,
);
const event = verify(body, headers['X-Promptfoo-Signature'], secret);
console.log(event.event); // 'issue.created'
