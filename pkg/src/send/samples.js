// Sample payloads: one realistic event of each kind Promptfoo sends, for
// tests, demos and the CLI. The data comes from the wire contract
// (generated/samples.js), so a sample always passes verify.

import { argumentError, invalidArgType } from '../core/errors.js';
import { SAMPLE_DATA } from '../generated/samples.js';

/**
 * A sample payload of the event `name`, stamped `timestamp` (an ISO 8601
 * string; default now). Each call returns a fresh object.
 */
export function sampleEvent(name, { timestamp = new Date().toISOString() } = {}) {
  if (typeof name !== 'string') throw invalidArgType('name', 'an event name', name);
  if (!Object.hasOwn(SAMPLE_DATA, name)) {
    throw argumentError('ERR_OUT_OF_RANGE', `no sample for event '${name}' (known: ${Object.keys(SAMPLE_DATA).join(', ')})`);
  }
  if (typeof timestamp !== 'string') throw invalidArgType('options.timestamp', 'an ISO 8601 string', timestamp);
  return { event: name, timestamp, data: JSON.parse(SAMPLE_DATA[name]) };
}
