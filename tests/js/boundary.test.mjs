// The JS boundary under hostile input: every export is called with arbitrary
// JS values in every argument (fast-check), plus a hand-made zoo of values
// that break naive code: detached and shared buffers, typed arrays of the
// wrong kind, Proxies that throw on every trap, throwing toJSON and getters,
// lying `length` properties, huge and ill-formed strings.
//
// The contract: each call returns its documented result or throws a
// WebhookVerificationError with a known code (or a TypeError with a `code`).
// Never a wasm trap (RuntimeError: unreachable), never a RangeError from wasm
// memory, never another error type, and never a poisoned instance: after
// every hostile call a valid delivery still verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  verify,
  verifySignature,
  sign,
  canonicalize,
  parseEvent,
  Webhook,
  MemoryReplayStore,
  signPayload,
  issueChangeEvent,
  generateSecret,
  validateWebhookConfig,
  WebhookVerificationError,
} from 'promptfoo-webhooks';

const SECRET = 'whsec-boundary-0123456789abcdef';
const hmac = (body, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
const PAYLOAD = { event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'i-1' }, eventData: {} } };
const BODY = JSON.stringify(PAYLOAD);
const SIGNATURE = hmac(BODY);
const MiB = 1024 * 1024;
// Every run is reproducible: a failure prints its seed and shrunk arguments.
const RUNS = { numRuns: 150, seed: 20261127 };

const ERROR_CODES = new Set([
  'missing_signature',
  'malformed_signature',
  'signature_mismatch',
  'invalid_secret',
  'body_too_large',
  'unsupported_body',
  'invalid_json',
  'invalid_payload',
  'timestamp_outside_window',
  'parsed_body_mismatch',
  'invalid_options',
  'random_unavailable',
  'duplicate_delivery',
]);

// ---------------------------------------------------------------- hostile values

class Sentinel extends Error {}
const boom = () => {
  throw new Sentinel('hostile code ran and threw');
};
const throwingTraps = {
  get: boom, has: boom, ownKeys: boom, getPrototypeOf: boom, getOwnPropertyDescriptor: boom,
  apply: boom, construct: boom, set: boom, defineProperty: boom, deleteProperty: boom, isExtensible: boom,
};

// Built once: several MiB each, shared by all runs.
const HUGE = {
  ascii: 'x'.repeat(6 * MiB),
  twoByte: 'é'.repeat(3 * MiB), // 6 MiB of UTF-8
  loneSurrogates: '\ud800'.repeat(2 * MiB), // 6 MiB once each becomes U+FFFD
  json: JSON.stringify({ ...PAYLOAD, data: { pad: 'p'.repeat(6 * MiB) } }),
};

/** Factories: values that must be fresh each time (a buffer is detached once). */
const zoo = {
  undefined: () => undefined,
  null: () => null,
  NaN: () => NaN,
  minusZero: () => -0,
  infinity: () => Infinity,
  minusInfinity: () => -Infinity,
  maxValue: () => Number.MAX_VALUE,
  bigint: () => 2n ** 70n,
  symbol: () => Symbol('hostile'),
  function: () => () => BODY,
  emptyObject: () => ({}),
  array: () => [SECRET, 1],
  sparseHugeArray: () => new Array(2 ** 32 - 1),
  hugeAscii: () => HUGE.ascii,
  hugeTwoByte: () => HUGE.twoByte,
  hugeLoneSurrogates: () => HUGE.loneSurrogates,
  hugeJson: () => HUGE.json,
  loneSurrogate: () => 'a\udc00b\ud800',
  detachedArrayBuffer: () => detached(),
  viewOnDetached: () => {
    const buffer = new ArrayBuffer(64);
    const view = new Uint8Array(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    return view;
  },
  sharedArrayBuffer: () => new SharedArrayBuffer(16),
  viewOnShared: () => {
    const view = new Uint8Array(new SharedArrayBuffer(BODY.length));
    view.set(Buffer.from(BODY));
    return view;
  },
  uint16: () => new Uint16Array([1, 2, 3]),
  int8: () => new Int8Array(4),
  clamped: () => new Uint8ClampedArray(Buffer.from(BODY)),
  float64: () => new Float64Array(2),
  bigUint64: () => new BigUint64Array(2),
  dataView: () => new DataView(new ArrayBuffer(8)),
  lyingLength: () => Object.defineProperty(new Uint8Array(4), 'length', { value: 1 << 30 }),
  lyingLengthSmall: () => Object.defineProperty(Buffer.from(BODY), 'length', { value: 3 }),
  forgedUint8Array: () => Object.create(Uint8Array.prototype),
  uint8WithOtherPrototype: () => Object.setPrototypeOf(new Uint8Array(Buffer.from(BODY)), Object.prototype),
  throwingProxy: () => new Proxy({}, throwingTraps),
  throwingArrayProxy: () => new Proxy([SECRET], throwingTraps),
  throwingFunctionProxy: () => new Proxy(() => 1, throwingTraps),
  revokedProxy: () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
  throwingToJSON: () => ({ toJSON: boom }),
  toJSONUndefined: () => ({ toJSON: () => undefined }),
  throwingGetter: () => Object.defineProperty({}, 'event', { get: boom, enumerable: true }),
  cycle: () => {
    const o = { event: 'issue.created' };
    o.self = o;
    return o;
  },
  deepObject: () => {
    let o = {};
    for (let i = 0; i < 20_000; i++) o = { o };
    return o;
  },
  invalidDate: () => new Date(NaN),
  farDate: () => new Date(8.64e15),
  dateWithThrowingGetTime: () => Object.assign(new Date(), { getTime: boom }),
  throwingClock: () => boom,
  clockReturningProxy: () => () => new Proxy({}, throwingTraps),
  optionsWithThrowingGetter: () => Object.defineProperty({}, 'toleranceSeconds', { get: boom, enumerable: true }),
  storeThatIsNotOne: () => ({ claim: 42 }),
  hostileRequest: () => ({ headers: { get: boom }, body: null }),
  requestWithThrowingBody: () => ({ headers: new Headers(), get body() { return boom(); } }),
  requestWithJunkStream: () => ({
    headers: new Headers({ 'x-promptfoo-signature': SIGNATURE }),
    body: new ReadableStream({ pull: (c) => { c.enqueue('not bytes'); c.close(); } }),
  }),
  requestWithErroringStream: () => ({
    headers: new Headers(),
    body: new ReadableStream({ pull: (c) => c.error(new Sentinel('stream broke')) }),
  }),
  validBody: () => BODY,
  validBytes: () => Buffer.from(BODY),
  validSignature: () => SIGNATURE,
  upperSignature: () => SIGNATURE.toUpperCase(),
  validSecret: () => SECRET,
  secretList: () => ['whsec-other-0123456789abcdef', SECRET],
  secretBytes: () => new TextEncoder().encode(SECRET),
  validPayload: () => structuredClone(PAYLOAD),
  validIssue: () => ({ id: 'i-1', status: 'open', severity: 'high' }),
  validRequest: () => new Request('http://127.0.0.1/', { method: 'POST', body: BODY, headers: { 'x-promptfoo-signature': SIGNATURE } }),
};

function detached() {
  const buffer = new ArrayBuffer(32);
  structuredClone(buffer, { transfer: [buffer] });
  return buffer;
}

// fast-check inspects the values it generates (to clone and print them), and
// a hostile value would throw at it: generate a recipe, build it in the test.
const zooValue = fc.constantFrom(...Object.keys(zoo)).map((name) => ({ zoo: name }));
const generated = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withObjectString: true,
  withNullPrototype: true,
  withTypedArray: true,
  withSparseArray: true,
  withDate: true,
  stringUnit: 'binary',
});
const plain = fc.oneof(generated, fc.string({ unit: 'binary' }), fc.double()).map((value) => ({ value }));
/** A recipe for any JS value: a hand-made hostile one half the time. */
const hostile = fc.oneof(zooValue, plain);
const one = fc.tuple(hostile);
const build = (recipe) => ('zoo' in recipe ? zoo[recipe.zoo]() : recipe.value);

// ---------------------------------------------------------------- the contract

/** Returns the call's result, or `undefined` when it threw an allowed error; fails on anything else. */
function withinContract(fn) {
  try {
    return { value: fn() };
  } catch (error) {
    assertAllowed(error);
    return undefined;
  }
}

async function withinContractAsync(fn) {
  try {
    return { value: await fn() };
  } catch (error) {
    assertAllowed(error);
    return undefined;
  }
}

function assertAllowed(error) {
  if (error instanceof WebhookVerificationError) {
    assert.ok(ERROR_CODES.has(error.code), `unknown code ${error.code}`);
    assert.equal(typeof error.message, 'string');
    assert.ok(error.hint.length > 0, `${error.code} has a hint`);
    return;
  }
  if (error instanceof TypeError && typeof error.code === 'string') return;
  assert.fail(`not within the contract: ${Object.prototype.toString.call(error)} ${error?.name}: ${error?.message}`);
}

// One long-lived instance: if any hostile call poisoned the wasm instance or
// its state, this stops verifying.
const survivor = new Webhook(SECRET);
function assertHealthy() {
  assert.equal(survivor.verify(BODY, SIGNATURE).event, 'issue.created');
  assert.equal(verify(Buffer.from(BODY), SIGNATURE, SECRET).event, 'issue.created');
  assert.equal(sign(BODY, SECRET), SIGNATURE);
  assert.equal(canonicalize(' {"b":1, "a":[2]} '), '{"b":1,"a":[2]}');
}

const isHex64 = (s) => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
const isEvent = (e) => typeof e === 'object' && e !== null && typeof e.event === 'string' && typeof e.timestamp === 'string';

function property(args, check) {
  fc.assert(
    fc.property(args, (recipes) => {
      const values = recipes.map(build);
      const outcome = withinContract(() => check.call(...values));
      if (outcome) check.result(outcome.value, values);
      assertHealthy();
    }),
    RUNS,
  );
}

// ---------------------------------------------------------------- sync exports

test('verify(body, signature, secret, options) with hostile values in every argument', () => {
  property(fc.tuple(hostile, hostile, hostile, hostile), {
    call: (...a) => verify(...a),
    result: (event) => assert.ok(isEvent(event)),
  });
  // Hostile in one position, valid elsewhere, so each argument's checks are reached.
  property(one, { call: (h) => verify(h, SIGNATURE, SECRET), result: (e) => assert.ok(isEvent(e)) });
  property(one, { call: (h) => verify(BODY, h, SECRET), result: (e) => assert.ok(isEvent(e)) });
  property(one, { call: (h) => verify(BODY, SIGNATURE, h), result: (e) => assert.ok(isEvent(e)) });
  property(one, { call: (h) => verify(BODY, SIGNATURE, SECRET, h), result: (e) => assert.ok(isEvent(e)) });
  property(one, {
    call: (h) => verify(BODY, SIGNATURE, SECRET, { toleranceSeconds: 60, now: h }),
    result: (e) => assert.ok(isEvent(e)),
  });
});

test('verifySignature returns a boolean for any signature and stays in the contract otherwise', () => {
  property(fc.tuple(hostile, hostile, hostile), {
    call: (...a) => verifySignature(...a),
    result: (ok) => assert.equal(typeof ok, 'boolean'),
  });
  fc.assert(
    fc.property(hostile, (signature) => {
      assert.equal(typeof verifySignature(BODY, build(signature), SECRET), 'boolean');
    }),
    RUNS,
  );
});

test('sign, canonicalize and parseEvent with hostile values', () => {
  property(fc.tuple(hostile, hostile), { call: (...a) => sign(...a), result: (s) => assert.ok(isHex64(s)) });
  property(one, { call: (h) => sign(h, SECRET), result: (s) => assert.ok(isHex64(s)) });
  property(one, { call: (h) => canonicalize(h), result: (s) => assert.equal(typeof s, 'string') });
  property(one, { call: (h) => parseEvent(h), result: (e) => assert.ok(isEvent(e)) });
});

test('signPayload, issueChangeEvent, generateSecret and validateWebhookConfig with hostile values', () => {
  property(fc.tuple(hostile, hostile), {
    call: (...a) => signPayload(...a),
    result: (r) => {
      assert.equal(typeof r.body, 'string');
      assert.ok(isHex64(r.headers['X-Promptfoo-Signature']));
    },
  });
  property(fc.tuple(hostile, hostile, hostile), {
    call: (...a) => issueChangeEvent(...a),
    result: (e) => assert.ok(e === null || isEvent(e)),
  });
  property(fc.tuple(hostile, hostile), {
    call: (h, i) => issueChangeEvent({ id: 'i-1', status: 'open' }, { id: 'i-1', status: 'fixed' }, { userId: h, timestamp: i }),
    result: (e) => assert.ok(e === null || isEvent(e)),
  });
  property(one, { call: (h) => generateSecret(h), result: (s) => assert.ok(isHex64(s)) });
  property(one, {
    call: (h) => validateWebhookConfig(h),
    result: (r) => assert.equal(typeof r.ok, 'boolean'),
  });
});

test('new Webhook(secret, options) and .verify(body, signature) with hostile values', () => {
  property(fc.tuple(hostile, hostile), {
    call: (secret, options) => new Webhook(secret, options),
    result: (webhook) => {
      assert.ok(webhook instanceof Webhook);
      webhook.dispose();
    },
  });
  const webhook = new Webhook([SECRET, 'whsec-other-0123456789abcdef'], { toleranceSeconds: 3600, now: Date.parse(PAYLOAD.timestamp) });
  property(fc.tuple(hostile, hostile), {
    call: (body, signature) => webhook.verify(body, signature),
    result: (e) => assert.ok(isEvent(e)),
  });
  assert.equal(webhook.verify(BODY, SIGNATURE).event, 'issue.created');
});

// ---------------------------------------------------------------- async methods

test('.verifyRequest and .verifyOnce with hostile values', async () => {
  const webhook = new Webhook(SECRET, { maxBodyBytes: 64 * 1024 });
  const once = new Webhook(SECRET, { dedupe: { store: new MemoryReplayStore({ maxEntries: 100 }) } });
  await fc.assert(
    fc.asyncProperty(hostile, hostile, hostile, async (...recipes) => {
      const [request, body, signature] = recipes.map(build);
      const a = await withinContractAsync(() => webhook.verifyRequest(request));
      if (a) assert.ok(isEvent(a.value));
      const b = await withinContractAsync(() => once.verifyOnce(body, signature));
      if (b) assert.ok(isEvent(b.value));
      assertHealthy();
    }),
    RUNS,
  );
});

// ---------------------------------------------------------------- regressions found by the properties

test('regression: a detached ArrayBuffer is unsupported_body, not a TypeError from new Uint8Array', () => {
  assert.throws(() => verify(detached(), SIGNATURE, SECRET), { code: 'unsupported_body', message: /detached/ });
  assert.throws(() => sign(detached(), SECRET), { code: 'unsupported_body' });
});

test('regression: throwing Proxies, getters and toJSON become our errors, with the original as cause', () => {
  const proxy = new Proxy({}, throwingTraps);
  const cases = [
    [() => verify(proxy, SIGNATURE, SECRET, { allowParsedBody: true }), 'unsupported_body'],
    [() => verify(BODY, SIGNATURE, SECRET, proxy), 'invalid_options'],
    [() => verify(BODY, SIGNATURE, SECRET, { now: boom, toleranceSeconds: 1 }), 'invalid_options'],
    [() => parseEvent({ toJSON: boom }), 'unsupported_body'],
    [() => signPayload({ toJSON: boom }, SECRET), 'invalid_payload'],
    [() => signPayload({ n: 1n }, SECRET), 'invalid_payload'],
    [() => issueChangeEvent(proxy, {}), 'invalid_payload'],
    [() => issueChangeEvent({ id: 'i' }, { id: 'i' }, proxy), 'invalid_options'],
    [() => validateWebhookConfig({ toJSON: boom }), 'invalid_payload'],
  ];
  for (const [call, code] of cases) {
    assert.throws(call, (error) => {
      assert.ok(error instanceof WebhookVerificationError, String(error));
      assert.equal(error.code, code);
      assert.ok(error.cause instanceof Sentinel || error.cause instanceof TypeError, `cause of ${code}`);
      assert.ok(!Object.keys(error).includes('cause'), 'cause is not enumerable');
      return true;
    });
  }
  for (const call of [() => verify(BODY, SIGNATURE, proxy), () => new Webhook([SECRET, proxy]), () => sign(BODY, new Proxy([SECRET], throwingTraps))]) {
    assert.throws(call, { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  }
  const { proxy: revoked, revoke } = Proxy.revocable([], {});
  revoke();
  assert.throws(() => verify(BODY, SIGNATURE, revoked), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /revoked/ });
});

test('regression: a Uint8Array with a lying length cannot make the core read other bytes', () => {
  // The wasm glue sized its copy by `.length`: 3 here would hash 3 bytes, 1 GiB would abort the instance.
  const short = Object.defineProperty(Buffer.from(BODY), 'length', { value: 3 });
  assert.equal(verify(short, SIGNATURE, SECRET).event, 'issue.created');
  assert.equal(sign(short, SECRET), SIGNATURE);
  const long = Object.defineProperty(new Uint8Array(4), 'length', { value: 1 << 30 });
  assert.equal(sign(long, SECRET), hmac(new Uint8Array(4)));
  assert.equal(canonicalize(Object.defineProperty(Buffer.from('[1]'), 'length', { value: 1 << 20 })), '[1]');
  // A real Uint8Array is recognised by its internal slots, not its prototype.
  assert.equal(verify(Object.setPrototypeOf(Buffer.from(BODY), null), SIGNATURE, SECRET).event, 'issue.created');
  // An object that only claims to be one is an object: a parsed body at most.
  assert.throws(() => verify(Object.create(Uint8Array.prototype), SIGNATURE, SECRET), { code: 'parsed_body_mismatch' });
});

test('regression: bytes in shared memory are copied once, so what verified is what is parsed', () => {
  const shared = new Uint8Array(new SharedArrayBuffer(BODY.length));
  shared.set(Buffer.from(BODY));
  const webhook = new Webhook(SECRET, {
    toleranceSeconds: 10 ** 9,
    // The clock runs between the copy and the core's check: another thread writing now changes nothing.
    now: () => {
      shared.fill(0x20);
      return Date.parse(PAYLOAD.timestamp);
    },
  });
  assert.deepEqual(webhook.verify(shared, SIGNATURE), PAYLOAD);
});

test('regression: a string over maxBodyBytes is refused before it is copied into wasm, with its UTF-8 size', () => {
  const body = 'é'.repeat(600); // 1200 bytes
  assert.throws(() => verify(body, hmac(body), SECRET, { maxBodyBytes: 500 }), {
    code: 'body_too_large',
    message: /body of 1200 bytes exceeds the limit of 500 bytes/,
  });
  const pair = '😀'.repeat(200); // 400 UTF-16 units, 800 bytes
  assert.throws(() => verify(pair, hmac(pair), SECRET, { maxBodyBytes: 300 }), { message: /body of 800 bytes/ });
  assert.throws(() => verify(HUGE.loneSurrogates, SIGNATURE, SECRET), { message: new RegExp(`body of ${6 * MiB} bytes`) });
});

test('regression: verifyRequest turns hostile requests and broken streams into our errors', async () => {
  const webhook = new Webhook(SECRET);
  await assert.rejects(webhook.verifyRequest(zoo.hostileRequest()), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(webhook.verifyRequest(zoo.requestWithThrowingBody()), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(webhook.verifyRequest(zoo.requestWithJunkStream()), { code: 'unsupported_body', message: /not a Uint8Array/ });
  await assert.rejects(webhook.verifyRequest(zoo.requestWithErroringStream()), (error) => {
    assert.equal(error.code, 'unsupported_body');
    assert.ok(error.cause instanceof Sentinel);
    return true;
  });
  assert.equal((await webhook.verifyRequest(zoo.validRequest())).event, 'issue.created');
});

test('regression: a disposed Webhook throws a coded TypeError instead of reading a freed core', async () => {
  const webhook = new Webhook(SECRET);
  webhook.dispose();
  webhook.dispose(); // twice is fine
  assert.throws(() => webhook.verify(BODY, SIGNATURE), { name: 'TypeError', code: 'ERR_INVALID_STATE' });
  await assert.rejects(webhook.verifyRequest(zoo.validRequest()), { code: 'ERR_INVALID_STATE' });
});

test('regression: a huge sparse secret list is refused without walking it', () => {
  assert.throws(() => verify(BODY, SIGNATURE, new Array(2 ** 32 - 1)), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /at most 64/ });
});
