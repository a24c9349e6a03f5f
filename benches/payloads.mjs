// The bodies every benchmark measures, by size.

/** The body sizes every benchmark reports. */
export const SIZES = [256, 1536, 16 * 1024, 1024 * 1024];

/** A size as the tables show it: `256 B`, `1.5 KB`, `1 MB`. */
export const label = (bytes) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} B`);

/** A realistic payload of about `size` bytes: an issue with a growing history. */
export function payloadOfSize(size) {
  if (size < 400) {
    // Smaller than any issue event: an evaluation event, padded to size.
    const small = { event: 'evaluation.completed', timestamp: new Date().toISOString(), data: { jobId: 'job-1', evalId: 'eval-1', partial: false, progress: '' } };
    small.data.progress = '.'.repeat(Math.max(0, size - JSON.stringify(small).length));
    return JSON.stringify(small);
  }
  const payload = {
    event: 'issue.updated',
    timestamp: new Date().toISOString(),
    data: {
      issue: {
        id: 'c0ffee00-1234-4abc-9def-0123456789ab', pluginId: 'harmful:privacy', status: 'fixed', severity: 'low',
        organizationId: 'org-1', targetId: 'target-1', providerId: 'openai:gpt-4o', createdAt: '2025-03-14T12:30:00Z',
        updatedAt: '2025-03-14T14:22:33Z', weakness: 'PII leak', history: [],
      },
      eventData: { changes: ['status changed to fixed', 'severity changed to low'] },
      userId: 'user-123',
    },
  };
  let body = JSON.stringify(payload);
  for (let i = 0; body.length < size; i++) {
    payload.data.issue.history.push({ at: '2025-03-14T12:34:56Z', by: `user-${i}`, note: 'Reviewed the finding ✓' });
    body = JSON.stringify(payload);
  }
  return body;
}
