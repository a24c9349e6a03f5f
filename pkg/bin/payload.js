// The payload `send` and `sample` build: a sample of an event (or the
// user's file), then --timestamp, then each --set, in order, before
// anything is signed.
import { canonicalize, EVENT_NAMES, sampleEvent } from '../dist/node.js';
import { readFile, UsageError } from './cli.js';

export const PAYLOAD_OPTIONS = {
  event: { type: 'string' },
  file: { type: 'string' },
  set: { type: 'string', multiple: true },
  timestamp: { type: 'string' },
};

export const PAYLOAD_HELP = `  --set <path>=<value>  change one field before signing, e.g. data.issue.severity=critical;
                        repeatable. The value is read as JSON when it is JSON (12, true,
                        null, ["a"], "quoted"), as text otherwise
  --timestamp <when>    the payload's timestamp: an ISO 8601 time, or now, now-10m,
                        now+30s (units s, m, h, d)`;

const UNITS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
// Never walk into these: a path must not reach Object.prototype.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The payload the options describe: `defaultEvent`'s sample, or --event's,
 * or --file's JSON (as Promptfoo would serialize it), with --timestamp and
 * --set applied.
 */
export function payloadFrom(values, defaultEvent) {
  if (values.event !== undefined && values.file !== undefined) throw new UsageError('give --event or --file, not both');
  const payload =
    values.file === undefined ? sampleOf(values.event ?? defaultEvent, values.event === undefined ? 'event' : '--event') : JSON.parse(canonicalize(readFile(values.file)));
  if (values.timestamp !== undefined) payload.timestamp = timestampFrom(values.timestamp);
  for (const assignment of values.set ?? []) setField(payload, assignment);
  return payload;
}

/** The sample of event `name`; `label` names where the name came from, for the error. */
export function sampleOf(name, label = 'event') {
  if (!EVENT_NAMES.includes(name)) throw new UsageError(`unknown ${label} '${name}' (known: ${EVENT_NAMES.join(', ')})`);
  return sampleEvent(name);
}

/** `now`, `now-10m`, `now+30s`, or an ISO 8601 time (kept as written). */
export function timestampFrom(text, now = Date.now()) {
  const relative = text.match(/^now(?:([+-])(\d+)([smhd]))?$/);
  if (relative) {
    const [, sign, amount, unit] = relative;
    const offset = sign === undefined ? 0 : Number(amount) * UNITS[unit] * (sign === '-' ? -1 : 1);
    return new Date(now + offset).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) return text;
  throw new UsageError(`--timestamp must be an ISO 8601 time or now, now-10m, now+30s (units s, m, h, d), got '${text}'`);
}

/** Applies one `path=value` to `payload`, making the objects on the path that are missing. */
export function setField(payload, assignment) {
  const equals = assignment.indexOf('=');
  if (equals <= 0) throw new UsageError(`--set wants <path>=<value>, got '${assignment}'`);
  const path = assignment.slice(0, equals).split('.');
  const text = assignment.slice(equals + 1);
  if (path.some((key) => key === '' || FORBIDDEN_KEYS.has(key))) throw new UsageError(`--set: not a usable path: '${path.join('.')}'`);
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  let target = payload;
  for (const [depth, key] of path.slice(0, -1).entries()) {
    if (!Object.hasOwn(target, key) || target[key] === null) target[key] = {};
    target = target[key];
    if (typeof target !== 'object') {
      throw new UsageError(`--set ${path.join('.')}: ${path.slice(0, depth + 1).join('.')} is not an object`);
    }
  }
  const last = path.at(-1);
  if (Array.isArray(target) && !/^\d+$/.test(last)) throw new UsageError(`--set ${path.join('.')}: an array index must be a number`);
  target[last] = value;
}
