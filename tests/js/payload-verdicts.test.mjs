// The payload verdicts shared with the Rust crate
// (tests/vectors/payload-verdicts.json, which tests/payload_verdicts.rs
// holds the Rust checker to): every entry point of the package that checks
// a payload, given its text and, where it takes one, the same payload as
// the caller's own object, says what the Rust checker says, down to the
// error's code, path and message. Then the rules only a caller's object
// can meet (getters, Proxies, toJSON, BigInt, a polluted prototype), which
// no JSON text holds, judged by the generated exact check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildEvent, parseEvent, signPayload, verify, WebhookVerificationError } from 'promptfoo-webhooks';
import { checkEventValue } from '../../pkg/src/core/wasm.js';
import { passesSchema, schemaProblem } from '../../pkg/src/generated/schema.js';
import { ERRORS } from '../../pkg/src/generated/contract.js';

const SECRET = 'whsec-test-0123456789abcdef';
const cases = JSON.parse(readFileSync(new URL('../vectors/payload-verdicts.json', import.meta.url), 'utf8'));
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');

/**
 * What `fn` says, in the vectors' terms: 'ok', or `{ path, reason }` of an
 * invalid_payload whose message, hint and fields are exactly what the
 * package throws for it (any other failure fails the test).
 */
function verdictOf(fn, where) {
  try {
    fn();
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError, `${where}: ${error?.stack ?? error}`);
    assert.equal(error.code, 'invalid_payload', `${where}: ${error.message}`);
    const prefix = `${ERRORS.invalid_payload.meaning} at ${error.path}: `;
    assert.ok(error.message.startsWith(prefix), `${where}: ${error.message}`);
    assert.equal(error.hint, ERRORS.invalid_payload.hint, where);
    assert.equal(Object.hasOwn(error, 'reason'), false, `${where}: the payload's reason is in the message only`);
    return { path: error.path, reason: error.message.slice(prefix.length) };
  }
}

test('the vectors cover both verdicts and every kind a member can wrongly be', () => {
  const failing = cases.filter(({ verdict }) => verdict !== 'ok');
  assert.ok(cases.length - failing.length >= 20 && failing.length >= 60);
  for (const kind of ['null', 'boolean', 'number', 'string', 'array', 'object']) {
    assert.ok(failing.some(({ verdict }) => verdict.reason.endsWith(`got ${kind}`)), kind);
  }
});

test('each entry point gives each payload text its verdict', () => {
  for (const { name, body, verdict } of cases) {
    assert.deepEqual(verdictOf(() => parseEvent(body), name), verdict, `parseEvent(text): ${name}`);
    assert.deepEqual(verdictOf(() => parseEvent(Buffer.from(body)), name), verdict, `parseEvent(bytes): ${name}`);
    assert.deepEqual(verdictOf(() => verify(body, hmac(body), SECRET), name), verdict, `verify: ${name}`);
    assert.deepEqual(verdictOf(() => signPayload(body, SECRET), name), verdict, `signPayload(text): ${name}`);
  }
});

test('each entry point that takes the caller\'s object gives it the verdict of its text', () => {
  for (const { name, body, verdict } of cases) {
    const payload = JSON.parse(body);
    if (typeof payload !== 'object' || payload === null) continue; // no body parser hands these over
    assert.deepEqual(verdictOf(() => parseEvent(JSON.parse(body)), name), verdict, `parseEvent(object): ${name}`);
    assert.deepEqual(verdictOf(() => signPayload(JSON.parse(body), SECRET), name), verdict, `signPayload(object): ${name}`);
    const options = { allowParsedBody: true };
    assert.deepEqual(verdictOf(() => verify(JSON.parse(body), hmac(body), SECRET, options), name), verdict, `verify(parsed): ${name}`);
    const { event, timestamp, data } = payload;
    if (typeof event === 'string' && event !== '' && typeof timestamp === 'string' && Object.keys(payload).length === 3) {
      assert.deepEqual(verdictOf(() => buildEvent(event, data, { timestamp }), name), verdict, `buildEvent: ${name}`);
    }
  }
});

test('the fast check passes exactly the passing vectors, and the exact check names each problem itself', () => {
  for (const { name, body, verdict } of cases) {
    assert.equal(passesSchema(JSON.parse(body)), verdict === 'ok', `fast check: ${name}`);
    // Both ways the package reads a payload: as JSON.parse returned it, and as the caller's own object.
    for (const parsedByCaller of [false, true]) {
      const problem = schemaProblem(JSON.parse(body), parsedByCaller);
      assert.deepEqual(problem === undefined ? 'ok' : { ...problem }, verdict, `exact check (${parsedByCaller}): ${name}`);
      assert.deepEqual(verdictOf(() => checkEventValue(JSON.parse(body), parsedByCaller), name), verdict, `checkEventValue: ${name}`);
    }
  }
});

// ---------------------------------------------------------------- what only a caller's object holds

const OTHER = 'a value JSON cannot hold';
const updated = () => ({
  event: 'issue.updated',
  timestamp: '2025-03-14T12:34:56Z',
  data: { issue: { id: 'issue-1' }, eventData: { changes: ['status changed to fixed'] } },
});
/** The exact check's verdict of the caller's object `payload`, as the package throws it. */
const callerVerdict = (payload) => verdictOf(() => checkEventValue(payload, true), 'caller object');
const problem = (path, reason) => ({ path, reason });
const boom = () => {
  throw new Error('boom');
};

test('a caller\'s object: members are read only when own and enumerable', () => {
  const inherited = updated();
  inherited.data.issue = Object.create({ id: 'issue-1' });
  assert.deepEqual(callerVerdict(inherited), problem('$.data.issue.id', 'required field is missing'));
  const hidden = updated();
  Object.defineProperty(hidden.data.issue, 'id', { value: 'issue-1', enumerable: false });
  assert.deepEqual(callerVerdict(hidden), problem('$.data.issue.id', 'required field is missing'));
  // A polluted prototype stands in for no member, read as JSON.parse returned it or as the caller's.
  Object.prototype.timestamp = 'polluted';
  try {
    const { timestamp, ...rest } = updated();
    assert.deepEqual(callerVerdict(rest), problem('$.timestamp', 'required field is missing'));
    assert.deepEqual(verdictOf(() => checkEventValue(JSON.parse(JSON.stringify(rest)), false), 'polluted'), problem('$.timestamp', 'required field is missing'));
  } finally {
    delete Object.prototype.timestamp;
  }
});

test('a caller\'s object: a getter or Proxy trap that throws reads as absent, as undefined, a function or a symbol does', () => {
  const getter = updated();
  Object.defineProperty(getter.data.issue, 'id', { get: boom, enumerable: true });
  assert.deepEqual(callerVerdict(getter), problem('$.data.issue.id', 'required field is missing'));
  const trap = updated();
  trap.data.issue = new Proxy({ id: 'issue-1' }, { get: boom });
  assert.deepEqual(verdictOf(() => checkEventValue(trap, false), 'get trap'), problem('$.data.issue.id', 'required field is missing'));
  // In a caller's object, whether the Proxy has a toJSON cannot be told: no JSON value.
  assert.deepEqual(callerVerdict(trap), problem('$.data.issue', `expected object, got ${OTHER}`));
  const descriptorTrap = updated();
  descriptorTrap.data.issue = new Proxy({ id: 'issue-1' }, { getOwnPropertyDescriptor: boom });
  assert.deepEqual(callerVerdict(descriptorTrap), problem('$.data.issue.id', 'required field is missing'));
  for (const absent of [undefined, () => 'issue-1', Symbol('issue-1')]) {
    const payload = updated();
    payload.data.issue.id = absent;
    assert.deepEqual(callerVerdict(payload), problem('$.data.issue.id', 'required field is missing'));
  }
  // Where a member may be absent, an unreadable one passes.
  const optional = updated();
  Object.defineProperty(optional.data, 'userId', { get: boom, enumerable: true });
  assert.equal(callerVerdict(optional), 'ok');
});

test('a caller\'s object: toJSON, a BigInt and a revoked Proxy are values JSON cannot hold', () => {
  const withToJSON = updated();
  withToJSON.data.issue.toJSON = () => ({ id: 'issue-1' });
  assert.deepEqual(callerVerdict(withToJSON), problem('$.data.issue', `expected object, got ${OTHER}`));
  assert.deepEqual(callerVerdict({ ...updated(), toJSON: () => ({}) }), problem('$', `expected object, got ${OTHER}`));
  // Only a caller's object is asked: a JSON.parse value's own toJSON is data.
  const parsed = updated();
  parsed.data.issue.toJSON = () => ({});
  assert.equal(verdictOf(() => checkEventValue(parsed, false), 'JSON.parse value'), 'ok');
  const bigint = updated();
  bigint.data.issue.id = 1n;
  assert.deepEqual(callerVerdict(bigint), problem('$.data.issue.id', `expected string, got ${OTHER}`));
  const { proxy, revoke } = Proxy.revocable({ id: 'issue-1' }, {});
  revoke();
  const revoked = updated();
  revoked.data.issue = proxy;
  assert.deepEqual(callerVerdict(revoked), problem('$.data.issue', `expected object, got ${OTHER}`));
  // A member of any kind takes them.
  const remediation = { event: 'remediation.created', timestamp: 't', data: { issueId: 'i', remediation: 1n } };
  assert.equal(callerVerdict(remediation), 'ok');
  assert.deepEqual(callerVerdict(undefined), problem('$', `expected object, got ${OTHER}`));
});

test('a caller\'s array: a missing element reads as null, and a length that is no positive number as 0', () => {
  const changes = (list) => {
    const payload = updated();
    payload.data.eventData.changes = list;
    return callerVerdict(payload);
  };
  assert.deepEqual(changes(['a', , 'b']), problem('$.data.eventData.changes[1]', 'expected string, got null'));
  assert.deepEqual(changes(['a', 'b', undefined]), problem('$.data.eventData.changes[2]', 'expected string, got null'));
  assert.deepEqual(changes([() => 'a']), problem('$.data.eventData.changes[0]', 'expected string, got null'));
  assert.deepEqual(changes([{ toJSON: () => 'a' }]), problem('$.data.eventData.changes[0]', `expected string, got ${OTHER}`));
  const withLength = (length) => new Proxy(['a', 1], { get: (target, key) => (key === 'length' ? length : target[key]) });
  for (const length of [0, -1, Number.NaN, '2', null]) assert.equal(changes(withLength(length)), 'ok', String(length));
  assert.equal(changes(withLength(1.5)), 'ok');
  assert.deepEqual(changes(withLength(2.5)), problem('$.data.eventData.changes[1]', 'expected string, got number'));
  const throwing = new Proxy(['a', 'b'], { get: (target, key) => (key === '1' ? boom() : target[key]) });
  assert.deepEqual(changes(throwing), problem('$.data.eventData.changes[1]', 'expected string, got null'));
});

test('a getter that checks other payloads while a caller\'s object is read changes neither verdict', () => {
  const nested = [];
  const outer = updated();
  const issue = { id: 7 };
  Object.defineProperty(outer.data, 'issue', {
    enumerable: true,
    get() {
      nested.push(callerVerdict(updated()));
      const broken = updated();
      broken.data.eventData.changes = ['a', 2];
      nested.push(callerVerdict(broken));
      nested.push(verdictOf(() => parseEvent('{"event":"x","timestamp":"t","data":[]}'), 'text'));
      return issue;
    },
  });
  assert.deepEqual(callerVerdict(outer), problem('$.data.issue.id', 'expected string, got number'));
  assert.deepEqual(nested, [
    'ok',
    problem('$.data.eventData.changes[1]', 'expected string, got number'),
    problem('$.data', 'expected object, got array'),
  ]);
});
