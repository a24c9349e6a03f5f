// Compiled with tsc --noEmit against the installed package, as check.mts
// (ESM), check.cts (CommonJS, index.d.cts) and check.ts (bundler): what a
// TypeScript user writes must type-check, with each event narrowed by name.
//
// `verify` returns KnownEvent | UnknownEvent, and TypeScript does not narrow
// that union by `event.event` (UnknownEvent's name is any string), so a
// receiver first tells known events from unknown ones, then switches.
import {
  generateSecret,
  sign,
  verify,
  WebhookVerificationError,
  type KnownEvent,
  type KnownEventName,
  type WebhookEvent,
} from 'promptfoo-webhooks';

const KNOWN_NAMES: ReadonlySet<string> = new Set<KnownEventName>([
  'issue.created', 'issue.updated', 'issue.status_changed', 'issue.severity_changed', 'issue.comment_added',
  'remediation.created', 'evaluation.created', 'evaluation.completed', 'evaluation.failed',
]);

function isKnown(event: WebhookEvent): event is KnownEvent {
  return KNOWN_NAMES.has(event.event);
}

export function describe(event: WebhookEvent): string {
  if (!isKnown(event)) {
    const data: unknown = event.data;
    return `${event.event} (not known to this version): ${JSON.stringify(data)}`;
  }
  switch (event.event) {
    case 'issue.updated':
      return `${event.data.issue.id}: ${event.data.eventData.changes.join('; ')} by ${event.data.userId ?? 'Promptfoo'}`;
    case 'issue.created': {
      const severity: string | null | undefined = event.data.issue.severity; // optional members may be absent or null
      return `new issue ${event.data.issue.id} (${severity ?? 'unrated'})`;
    }
    case 'remediation.created':
      return `remediation for ${event.data.issueId}`;
    case 'evaluation.failed':
      return `job ${event.data.jobId} failed`;
    default:
      return event.event;
  }
}

export function receive(body: string | Uint8Array, header: string | undefined): string {
  const secrets: string[] = [generateSecret(), generateSecret()];
  try {
    const event = verify(body, header, secrets, { toleranceSeconds: 300, maxBodyBytes: 1 << 20 });
    const index: number = event.secretIndex;
    return `${describe(event)} (secret #${index}, signature ${sign(body, secrets[index])})`;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return `${error.code}: ${error.message} (${error.hint})`;
    throw error;
  }
}
