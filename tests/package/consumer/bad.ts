// Must NOT type-check: proves tsc read the package's declarations (with
// `any` types every line here would pass).
import { verify, type KnownEvent } from 'promptfoo-webhooks';

export function wrong(event: KnownEvent): number {
  if (event.event === 'evaluation.failed') {
    return event.data.jobId; // a string, not a number
  }
  verify('{}', 'ab', 42); // a secret is a string, bytes or a list of them
  return 0;
}
