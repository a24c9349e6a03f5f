// `verify` returns a union discriminated by `event`: a switch narrows each
// known event, and an event name this version does not know is still a string.
import { verify, parseEvent, type WebhookEvent } from 'promptfoo-webhooks';

declare const body: Uint8Array;
const event = verify(body, 'sig', 'secret-0123456789abcdef');

switch (event.event) {
  case 'issue.created': {
    const id: string = event.data.issue.id;
    // Optional members may be absent or null: the core accepts both.
    const severity: string | null | undefined = event.data.issue.severity;
    // @ts-expect-error issue.created carries no userId field of type string
    const user: string = event.data.userId;
    break;
  }
  case 'issue.updated': {
    const changes: string[] = event.data.eventData.changes;
    const user: string | null | undefined = event.data.userId;
    break;
  }
  case 'remediation.created': {
    const issueId: string = event.data.issueId;
    // @ts-expect-error remediation.created has no issue
    event.data.issue.id;
    break;
  }
  case 'evaluation.completed': {
    const jobId: string = event.data.jobId;
    const partial: boolean | null | undefined = event.data.partial;
    break;
  }
  default: {
    // A later event: its name is a string, its data unknown.
    const name: string = event.event;
    const data: unknown = event.data;
  }
}

const secretIndex: number = event.secretIndex;
const parsed: WebhookEvent = parseEvent('{}');
if (parsed.event === 'evaluation.failed') {
  const jobId: string = parsed.data.jobId;
}

// The signature as frameworks hand it: Node's header type is accepted.
import { buildEvent, verifySignature, Webhook } from 'promptfoo-webhooks';
declare const header: string | string[] | undefined;
verify(body, header, 'secret-0123456789abcdef');
new Webhook('secret-0123456789abcdef').verify(body, header);
verifySignature(body, header, 'secret-0123456789abcdef');

// buildEvent: the data type follows the name.
const built = buildEvent('issue.updated', { issue: { id: 'i-1' }, eventData: { changes: ['status changed to fixed'] } });
const changes: string[] = built.data.eventData.changes;
// @ts-expect-error issue.updated needs eventData.changes
buildEvent('issue.updated', { issue: { id: 'i-1' } });
// @ts-expect-error a misspelt name
buildEvent('issue.craeted', { issue: { id: 'i-1' } });
export { changes };

// The rotation idiom with environment variables compiles as written.
import { Webhooks } from 'promptfoo-webhooks';
declare const env: Record<string, string | undefined>;
new Webhook([env.PROMPTFOO_WEBHOOK_SECRET, env.PROMPTFOO_WEBHOOK_SECRET_OLD]);
new Webhook([env.PROMPTFOO_WEBHOOK_SECRET, env.PROMPTFOO_WEBHOOK_SECRET_OLD].filter(Boolean));
new Webhooks({ secret: [env.PROMPTFOO_WEBHOOK_SECRET] });
// A single secret straight from the environment compiles; unset, it is invalid_secret at start-up.
new Webhook(env.PROMPTFOO_WEBHOOK_SECRET);
