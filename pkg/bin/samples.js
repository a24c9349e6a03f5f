// Sample payloads for `promptfoo-webhooks send`: one realistic event of each
// kind Promptfoo Enterprise sends, shaped as in its integration document.
// (js-examples/sender.mjs builds the same set for the examples; this copy
// ships in the package, which js-examples/ does not.)
import { issueChangeEvent } from '../dist/node.js';

const ISSUE_ID = '3f1c2a9e-8b7d-4e21-9a6f-0c5d4b3a2e10';

function sampleIssue(timestamp) {
  return {
    id: ISSUE_ID,
    pluginId: 'harmful:privacy',
    status: 'open',
    severity: 'high',
    organizationId: 'org-7d0e1b',
    targetId: 'target-chatbot-prod',
    providerId: 'openai:gpt-4o-mini',
    createdAt: timestamp,
    updatedAt: timestamp,
    weakness: 'PII leak',
    history: [{ action: 'created', at: timestamp }],
  };
}

/** Builders by event name; each takes the ISO timestamp to stamp the event with. */
const BUILDERS = {
  'issue.created': (timestamp) => ({ event: 'issue.created', timestamp, data: { issue: sampleIssue(timestamp), eventData: {} } }),
  // Two attributes at once: Promptfoo sends ONE issue.updated listing both.
  'issue.updated': (timestamp) => {
    const issue = sampleIssue(timestamp);
    return issueChangeEvent(issue, { ...issue, status: 'fixed', severity: 'low' }, { timestamp, userId: 'user-123' });
  },
  'issue.status_changed': (timestamp) => {
    const issue = sampleIssue(timestamp);
    return issueChangeEvent(issue, { ...issue, status: 'fixed' }, { timestamp });
  },
  'issue.severity_changed': (timestamp) => {
    const issue = sampleIssue(timestamp);
    return issueChangeEvent(issue, { ...issue, severity: 'low' }, { timestamp });
  },
  'issue.comment_added': (timestamp) => ({
    event: 'issue.comment_added',
    timestamp,
    data: { issue: sampleIssue(timestamp), eventData: { comment: 'Reproduced on staging — assigning to the platform team.' } },
  }),
  'remediation.created': (timestamp) => ({
    event: 'remediation.created',
    timestamp,
    data: {
      issueId: ISSUE_ID,
      remediation: { summary: 'Add an output filter for e-mail addresses', steps: ['Enable the PII guardrail', 'Re-run the scan'] },
    },
  }),
  'evaluation.created': (timestamp) => ({
    event: 'evaluation.created',
    timestamp,
    data: { jobId: 'job-42', config: { description: 'Nightly red team', providers: ['openai:gpt-4o-mini'] } },
  }),
  'evaluation.completed': (timestamp) => ({
    event: 'evaluation.completed',
    timestamp,
    data: { jobId: 'job-42', evalId: 'eval-2025-03-14-abc', partial: false, progress: { completed: 120, total: 120 } },
  }),
  'evaluation.failed': (timestamp) => ({
    event: 'evaluation.failed',
    timestamp,
    data: { jobId: 'job-43', error: 'provider timed out after 3 retries', progress: { completed: 37, total: 120 } },
  }),
};

/** The nine event names Promptfoo documents, in the order of its document. */
export const SAMPLE_EVENT_NAMES = Object.keys(BUILDERS);

/**
 * A sample payload of the event `name`, stamped `now`.
 * @param {string} name one of SAMPLE_EVENT_NAMES
 * @param {Date | number} [now]
 */
export function sampleEvent(name, now = Date.now()) {
  const build = BUILDERS[name];
  if (build === undefined) throw new RangeError(`no sample for event '${name}'`);
  return build(new Date(now).toISOString());
}
