// The payload schema is written once, in the contract (src/contract.rs),
// and checked twice: by the Rust checker (src/schema.rs) over the core's own
// parse of the JSON text, and in the npm package by the code generated from
// the same tables (pkg/src/generated/schema.js): its fast check of what
// JSON.parse returned, and its exact check, which names the problem, of a
// payload the fast check refused or of the caller's parsed body given to
// parseEvent (verify parses a parsed body's signed text again). Here all
// judge the same generated payloads and must agree on every verdict, code,
// path and message. Set SCHEMA_SEED to replay a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseEvent, verify, WebhookVerificationError } from 'promptfoo-webhooks';
import * as core from '../../pkg/wasm/tools.js';
import { WebhookVerificationError as CoreError } from '../../pkg/src/core/errors.js';
import { checkEventValue, instantiateCore } from '../../pkg/src/core/wasm.js';
import { passesSchema } from '../../pkg/src/generated/schema.js';
import { mulberry32 } from './json-gen.mjs';

core.initSync({ module: readFileSync(new URL('../../pkg/wasm/tools_bg.wasm', import.meta.url)) });
instantiateCore(readFileSync(new URL('../../pkg/wasm/core_bg.wasm', import.meta.url)));

const SECRET = 'whsec-test-0123456789abcdef';
const CASES_PER_RUN = 6_000;
const runSeed = Number(process.env.SCHEMA_SEED ?? Date.now() % 2 ** 32) >>> 0;
const vectors = JSON.parse(readFileSync(new URL('../vectors/events.json', import.meta.url), 'utf8'));
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');

// Values a mutation puts where the schema looks.
const REPLACEMENTS = [null, 0, -1.5, true, false, '', 'text', [], ['a'], ['a', 2], [null], {}, { id: 'x' }];

/** Every [parent, key] the schema reads or could read, in the payload. */
function schemaSpots(payload) {
  const spots = [];
  const walk = (value, depth) => {
    if (depth > 4 || typeof value !== 'object' || value === null) return;
    for (const key of Object.keys(value)) {
      spots.push([value, key]);
      walk(value[key], depth + 1);
    }
    // Members the schema knows but the payload may lack.
    for (const key of ['event', 'timestamp', 'data', 'issue', 'id', 'jobId', 'eventData', 'changes', 'issueId']) {
      if (!Array.isArray(value)) spots.push([value, key]);
    }
  };
  walk(payload, 1);
  return spots;
}

function mutate(payload, rnd) {
  const copy = structuredClone(payload);
  const rounds = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < rounds; i++) {
    const spots = schemaSpots(copy);
    const [parent, key] = spots[Math.floor(rnd() * spots.length)];
    if (rnd() < 0.25) delete parent[key];
    else parent[key] = structuredClone(REPLACEMENTS[Math.floor(rnd() * REPLACEMENTS.length)]);
  }
  if (rnd() < 0.05) return structuredClone(REPLACEMENTS[Math.floor(rnd() * REPLACEMENTS.length)]);
  return copy;
}

/** The verdict of `fn`: 'ok' or the error's code, path and message. */
function verdict(fn) {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof WebhookVerificationError) return `${error.code} ${error.path} ${error.message}`;
    if (error instanceof CoreError) return `${error.code} ${error.path} ${error.message}`; // thrown by pkg/src itself
    throw error;
  }
}

test(`the Rust checker and the JS checks agree (seed ${runSeed})`, () => {
  const rnd = mulberry32(runSeed);
  let rejected = 0;
  for (let i = 0; i < CASES_PER_RUN; i++) {
    const payload = mutate(vectors[i % vectors.length].payload, rnd);
    const body = JSON.stringify(payload);
    const expected = verdict(() => core.check_event_text(body));
    const replay = `replay with SCHEMA_SEED=${runSeed}; body ${body}`;
    // The fast check's accept is the Rust checker's; the exact check names what the Rust checker names.
    assert.equal(passesSchema(JSON.parse(body)), expected === 'ok', `passesSchema: ${replay}`);
    assert.equal(verdict(() => checkEventValue(JSON.parse(body), true)), expected, `the exact check alone: ${replay}`);
    assert.equal(verdict(() => parseEvent(body)), expected, `parseEvent(text): ${replay}`);
    assert.equal(verdict(() => verify(Buffer.from(body), hmac(body), SECRET)), expected, `verify(bytes): ${replay}`);
    // Only objects and arrays come from a body parser; other values are unsupported bodies.
    if (typeof payload === 'object' && payload !== null) {
      assert.equal(verdict(() => parseEvent(structuredClone(payload))), expected, `parseEvent(object): ${replay}`);
      const parsed = structuredClone(payload);
      const options = { allowParsedBody: true };
      assert.equal(verdict(() => verify(parsed, hmac(body), SECRET, options)), expected, `verify(parsed): ${replay}`);
    }
    if (expected !== 'ok') rejected++;
  }
  // The mutations must exercise both verdicts.
  assert.ok(rejected > CASES_PER_RUN / 4 && rejected < CASES_PER_RUN, `${rejected} of ${CASES_PER_RUN} rejected`);
});

const PAYLOAD = vectors[0].payload;
const BODY = JSON.stringify(PAYLOAD);

test('with a polluted Object.prototype, every check judges only the payload\'s own members, as the text check does', () => {
  // A polluted prototype answers for any member a JSON.parse object lacks.
  // Both JS checks read own members only, so a payload lacking a required
  // member is refused whatever the prototype holds, as the Rust checker's
  // parse of the text (which has no prototype) refuses it. The fast check
  // may still refuse more (its false is no verdict): an optional member it
  // reads through the prototype.
  const boom = () => {
    throw new Error('boom');
  };
  const answers = { function: () => 'x', symbol: Symbol('x'), throwingGetter: undefined, string: 'x', bigint: 1n, array: ['a', 1], object: { id: 'x' } };
  const keys = ['event', 'timestamp', 'data', 'issue', 'id', 'remediation', 'jobId', 'eventData', 'changes', 'issueId', 'userId'];
  /** `value` without any member named `key`, at any depth. */
  const without = (value, key) =>
    JSON.parse(JSON.stringify(value), function (name, member) {
      return name === key && !Array.isArray(this) ? undefined : member;
    });
  // Each vector, and each without one of the members the schema reads, judged before the prototype changes.
  const bodies = vectors.flatMap(({ payload }) => [payload, ...keys.map((key) => without(payload, key))].map((p) => JSON.stringify(p)));
  const expected = new Map(bodies.map((body) => [body, verdict(() => core.check_event_text(body))]));
  let accepted = 0;
  let refused = 0;
  for (const key of keys) {
    for (const [name, value] of Object.entries(answers)) {
      const descriptor = name === 'throwingGetter' ? { get: boom, configurable: true } : { value, configurable: true, writable: true };
      Object.defineProperty(Object.prototype, key, descriptor);
      try {
        for (const body of bodies) {
          const polluted = `Object.prototype.${key} = ${name}: ${body}`;
          const textVerdict = expected.get(body);
          if (passesSchema(JSON.parse(body))) {
            accepted++;
            assert.equal(textVerdict, 'ok', `the fast check accepted what the Rust checker refuses; ${polluted}`);
          }
          if (textVerdict !== 'ok') refused++;
          assert.equal(verdict(() => checkEventValue(JSON.parse(body), false)), textVerdict, `the fast check, then the exact one; ${polluted}`);
          assert.equal(verdict(() => checkEventValue(JSON.parse(body), true)), textVerdict, `the exact check alone; ${polluted}`);
        }
      } finally {
        delete Object.prototype[key];
      }
    }
  }
  assert.ok(accepted > 0 && refused > 0, `${accepted} passed the JS check, ${refused} were refused`);
});

test('a parsed body that passes comes back as JSON.parse of the signed text, with its secretIndex', () => {
  const parsed = JSON.parse(BODY);
  const event = verify(parsed, hmac(BODY), SECRET, { allowParsedBody: true });
  // Never the caller's object, which the caller can still change.
  assert.notEqual(event, parsed);
  assert.deepEqual(event, parsed);
  assert.equal(event.secretIndex, 0);
  assert.deepEqual(Object.keys(event), ['event', 'timestamp', 'data']);
  assert.equal(JSON.stringify(event), BODY);
});

test('members JSON.stringify leaves out are absent, as in the signed text', () => {
  const parsed = { ...JSON.parse(BODY), note: undefined, hook: () => {}, tag: Symbol('x') };
  const text = JSON.stringify(parsed);
  assert.equal(text, BODY);
  // What was signed has none of them: the event is the signed text, not the caller's object.
  const event = verify(parsed, hmac(text), SECRET, { allowParsedBody: true });
  assert.notEqual(event, parsed);
  assert.deepEqual(event, JSON.parse(BODY));
  // A required member that is a function is missing from what was signed.
  const noId = JSON.parse(BODY);
  noId.data.issue.id = () => 'i-1';
  const signed = JSON.stringify(noId);
  assert.throws(() => verify(noId, hmac(signed), SECRET, { allowParsedBody: true }), {
    code: 'invalid_payload',
    path: '$.data.issue.id',
  });
});

test('a richer parsed body than JSON.parse makes is judged by the signed text', () => {
  // A reviving body parser turned the timestamp into a Date; the sender signed the ISO string.
  const iso = '2025-03-14T12:34:56.000Z';
  const text = JSON.stringify({ ...PAYLOAD, timestamp: iso });
  const revived = { ...JSON.parse(text), timestamp: new Date(iso) };
  const event = verify(revived, hmac(text), SECRET, { allowParsedBody: true });
  assert.notEqual(event, revived);
  assert.equal(event.timestamp, iso);
  assert.equal(event.secretIndex, 0);
  // An object whose toJSON prints something else is judged by what it prints.
  const disguised = { ...JSON.parse(BODY), toJSON: () => ({ event: 'x.y', timestamp: 't', data: {} }) };
  const printed = JSON.stringify(disguised);
  const judged = verify(disguised, hmac(printed), SECRET, { allowParsedBody: true });
  assert.deepEqual({ ...judged }, { event: 'x.y', timestamp: 't', data: {} });
});

test('a frozen parsed body verifies as a copy that carries secretIndex', () => {
  const frozen = Object.freeze(JSON.parse(BODY));
  const event = verify(frozen, hmac(BODY), SECRET, { allowParsedBody: true });
  assert.notEqual(event, frozen);
  assert.deepEqual(event, JSON.parse(BODY));
  assert.equal(event.secretIndex, 0);
});

test('a Proxy body whose traps lie is judged by the signed text', () => {
  let reads = 0;
  // Both JSON.stringify calls (here and in verify) see a valid payload; later reads see a number id.
  const issue = new Proxy(JSON.parse(BODY).data.issue, {
    get: (target, key) => (key === 'id' && reads++ >= 2 ? 42 : target[key]),
  });
  const parsed = { ...JSON.parse(BODY), data: { ...JSON.parse(BODY).data, issue } };
  const text = JSON.stringify(parsed);
  const event = verify(parsed, hmac(text), SECRET, { allowParsedBody: true });
  assert.equal(event.data.issue.id, PAYLOAD.data.issue.id);
  assert.equal(JSON.stringify(event), text);
});

test('a getter that verifies other deliveries while the payload is read: each is judged on its own, and the outer answer holds', () => {
  const other = JSON.stringify(vectors[1].payload);
  const broken = JSON.stringify({ ...vectors[1].payload, data: { issue: { id: 7 } } });
  const nested = [];
  const parsed = JSON.parse(BODY);
  const issue = parsed.data.issue;
  Object.defineProperty(parsed.data, 'issue', {
    enumerable: true,
    get() {
      for (const body of [other, broken]) {
        try {
          nested.push(verify(body, hmac(body), SECRET).event);
        } catch (error) {
          nested.push(error.code);
        }
      }
      return issue;
    },
  });
  const text = JSON.stringify(parsed);
  nested.length = 0;
  const event = verify(parsed, hmac(text), SECRET, { allowParsedBody: true });
  assert.equal(JSON.stringify(event), text);
  // The getter runs once, while verify stringifies the object: the event is
  // parsed from that text, so nothing reads the object again. Each nested
  // delivery gets its own verdict: a good one passes, a bad one is refused,
  // and neither is mixed into the outer check.
  assert.deepEqual(nested, [vectors[1].payload.event, 'invalid_payload']);
});
