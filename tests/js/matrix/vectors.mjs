// The matrix's delivery vectors: what every builder builds and signs, how
// every verifier is set up for it, and what the verifier must conclude.
//
// A vector (a "recipe") is plain JSON, one line per vector on a builder's
// stdin, so the Rust peer reads exactly what the JavaScript peers read:
//   name        unique label, the key results are matched on
//   json | text the body: `json` is parsed and built by the library
//               (signPayload in JS, parse_event + to_json in Rust); `text` is
//               signed verbatim, as raw bytes off the wire would be
//   signWith    the secret the builder signs with
//   tamper      { replace, with }: the body is changed after signing (first occurrence)
//   signature   'sha256-prefix' or 'upper-case': how the header is then mangled
//   verifyWith  the secrets the verifier holds, newest first
//   toleranceSeconds, now   the replay window and the verifier's clock (epoch ms)
//   expect      { expect: 'accept', event, secretIndex } | { expect: 'reject', code }
import { readFileSync } from 'node:fs';

export const SECRET = 'matrix-current-secret-0123456789abcdef';
export const OLD_SECRET = 'matrix-previous-secret-fedcba9876543210';
const WINDOW_SECONDS = 300;

const events = JSON.parse(readFileSync(new URL('../../vectors/events.json', import.meta.url), 'utf8'));
const byEvent = (name) => events.find((vector) => vector.payload.event === name).payload;

const accept = (event, secretIndex = 0) => ({ expect: 'accept', event, secretIndex });
const reject = (code) => ({ expect: 'reject', code });

/** A vector built from a payload and verified with the current secret. */
function fromPayload(name, payload, extra = {}) {
  return { name, json: JSON.stringify(payload), signWith: SECRET, verifyWith: [SECRET], expect: accept(payload.event), ...extra };
}

// Numbers written as JSON text that no JS value prints back as is: each
// builder must parse them to the nearest f64 and print them as V8 does.
const RAW_NUMBERS = `{"event":"evaluation.completed","timestamp":"2025-03-18T02:00:00Z","data":{"jobId":"job-raw-numbers",
"evalId":"eval-raw-numbers","partial":false,"progress":{"big":1E21,"belowBig":999999999999999999999,"tiny":5e-324,
"underflow":2e-324,"roundsUp":3e-324,"unsafeInteger":9007199254740993,"negativeZero":-0,"overflow":1e400,
"scaled":0.1e1,"negativeExponent":-12.5e-3,"sum":0.30000000000000004,"micro":0.000001,"belowMicro":0.0000001}}}`;

// The same key twice: JSON.parse keeps the first position and the last value.
const DUPLICATE_KEYS = `{"event":"issue.archived","timestamp":"2025-03-18T04:00:00Z","data":{"issue":{"id":"issue-dup",
"severity":"low","status":"open","severity":"critical"},"eventData":{"note":"first","note":"last"}},"event":"issue.created"}`;

// Over 1 KiB: the Node entry hashes such bodies (from 512 B) with node:crypto, not wasm.
const large = structuredClone(byEvent('evaluation.failed'));
large.data.error = { message: 'provider timed out — タイムアウト 🕒 '.repeat(80) };

const issueCreated = byEvent('issue.created');
const statusChanged = byEvent('issue.status_changed');
const signedAt = Date.parse(statusChanged.timestamp);

export const VECTORS = [
  // All nine events, an unknown one, unicode (U+2028, U+2029, emoji), numbers, array-index keys.
  ...events.map(({ name, payload }) => fromPayload(name, payload)),
  { name: 'numbers written as raw JSON text', json: RAW_NUMBERS, signWith: SECRET, verifyWith: [SECRET], expect: accept('evaluation.completed') },
  { name: 'duplicate keys, signed as text', text: DUPLICATE_KEYS, signWith: SECRET, verifyWith: [SECRET], expect: accept('issue.created') },
  { name: 'duplicate keys, parsed and rebuilt', json: DUPLICATE_KEYS, signWith: SECRET, verifyWith: [SECRET], expect: accept('issue.created') },
  fromPayload('body over 1 KiB', large),
  fromPayload('rotation: signed with the old secret', issueCreated, { signWith: OLD_SECRET, verifyWith: [SECRET, OLD_SECRET], expect: accept('issue.created', 1) }),
  fromPayload('rotation over: the old secret is gone', issueCreated, { signWith: OLD_SECRET, expect: reject('signature_mismatch') }),
  fromPayload('upper-case hex signature', issueCreated, { signature: 'upper-case' }),
  fromPayload('inside the replay window', statusChanged, { toleranceSeconds: WINDOW_SECONDS, now: signedAt + (WINDOW_SECONDS - 1) * 1000 }),
  fromPayload('stale: older than the replay window', statusChanged, {
    toleranceSeconds: WINDOW_SECONDS,
    now: signedAt + (WINDOW_SECONDS + 1) * 1000,
    expect: reject('timestamp_outside_window'),
  }),
  fromPayload('tampered: body changed after signing', issueCreated, { tamper: { replace: '"high"', with: '"low"' }, expect: reject('signature_mismatch') }),
  fromPayload('malformed signature: sha256= prefix', issueCreated, { signature: 'sha256-prefix', expect: reject('malformed_signature') }),
];
