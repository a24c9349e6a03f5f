// Extreme nesting through the wasm build: the core must answer (a correct
// result or a clean invalid_json WebhookVerificationError) at any depth,
// never a RangeError from the JS side or a wasm RuntimeError (stack
// overflow, unreachable) from the core. tests/limits.rs proves the same
// natively.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { canonicalize, parseEvent, verify, WebhookVerificationError } from 'promptfoo-webhooks';

const SECRET = 'whsec-test-0123456789abcdef';
/** Far beyond any limit. */
const EXTREME_DEPTH = 1_000_000;
/** MAX_TREE_DEPTH in src/canonical/parser.rs: the deepest payload parsed. */
const MAX_TREE_DEPTH = 10_000;
/** Node 20's JSON.stringify handles this many nested arrays (measured: 4,104). */
const V8_STRINGIFY_DEPTH = 4_000;
const NESTING_REASON = `nesting deeper than ${MAX_TREE_DEPTH} levels`;
/** A million nested objects take 6 MB: above the default 5 MiB body limit. */
const OPTIONS = { maxBodyBytes: 16 * 1024 * 1024 };

const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');
const nestedArrays = (depth) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
/** A well-formed envelope whose `data.deep` holds `inner`. */
const envelope = (inner) => `{"event":"x.y","timestamp":"2025-03-14T12:34:56Z","data":{"deep":${inner}}}`;

/** Runs `fn`; it must throw invalid_json for deep nesting and nothing else. */
function assertCleanInvalidJson(fn, label) {
  let thrown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown, `${label}: expected a throw`);
  assert.ok(
    thrown instanceof WebhookVerificationError,
    `${label}: expected WebhookVerificationError, got ${thrown?.name}: ${thrown?.message}`,
  );
  assert.equal(thrown.code, 'invalid_json', label);
  assert.match(thrown.message, new RegExp(NESTING_REASON), label);
}

/** Depth of nested single-item arrays, counted without recursion. */
function arrayDepth(value) {
  let depth = 0;
  while (Array.isArray(value)) {
    depth += 1;
    value = value[0];
  }
  return depth;
}

test('canonicalize answers at a million levels, from text and bytes', () => {
  const arrays = nestedArrays(EXTREME_DEPTH);
  assert.equal(canonicalize(arrays), arrays);
  assert.equal(canonicalize(Buffer.from(arrays)), arrays);
  // Every level reordered: an array-index key after a plain one.
  const reordered = '{"b":1,"0":'.repeat(EXTREME_DEPTH) + '0' + '}'.repeat(EXTREME_DEPTH);
  const expected = '{"0":'.repeat(EXTREME_DEPTH) + '0' + ',"b":1}'.repeat(EXTREME_DEPTH);
  assert.equal(canonicalize(reordered), expected);
  // Unclosed deep input is a clean invalid_json too.
  assert.throws(() => canonicalize('[{"a":'.repeat(EXTREME_DEPTH)), { code: 'invalid_json' });
});

test('canonicalize equals V8 at the depths V8 can stringify', () => {
  for (const text of [nestedArrays(V8_STRINGIFY_DEPTH), nestedObjects(V8_STRINGIFY_DEPTH)]) {
    assert.equal(canonicalize(text), JSON.stringify(JSON.parse(text)));
  }
});

test('parseEvent and verify refuse a million levels with invalid_json', () => {
  // The last: unclosed, and shorter than twice the limit (so JSON.parse, not a bracket count, refuses it first).
  for (const inner of [nestedArrays(EXTREME_DEPTH), nestedObjects(EXTREME_DEPTH), nestedArrays(MAX_TREE_DEPTH), '['.repeat(MAX_TREE_DEPTH)]) {
    const body = envelope(inner);
    const signature = hmac(body);
    assertCleanInvalidJson(() => parseEvent(body), 'parseEvent(text)');
    assertCleanInvalidJson(() => parseEvent(Buffer.from(body)), 'parseEvent(Buffer)');
    assertCleanInvalidJson(() => verify(body, signature, SECRET, OPTIONS), 'verify(text)');
    const bytes = new TextEncoder().encode(body);
    assertCleanInvalidJson(() => verify(bytes, signature, SECRET, OPTIONS), 'verify(Uint8Array)');
  }
});

test('parseEvent and verify type the deepest payload the limit allows', () => {
  // The envelope and `data` are two levels; `deep` takes the rest.
  const innerDepth = MAX_TREE_DEPTH - 2;
  const body = envelope(nestedArrays(innerDepth));
  for (const event of [parseEvent(body), verify(body, hmac(body), SECRET), verify(Buffer.from(body), hmac(body), SECRET)]) {
    assert.equal(event.event, 'x.y');
    assert.equal(arrayDepth(event.data.deep), innerDepth);
  }
});
