// With allowParsedBody the signature covers JSON.stringify of the caller's
// object, so the event handed back must be that text and nothing else: not
// a getter that answers differently later, a property the text left out
// (non-enumerable, a symbol, an array's extra key), a Proxy, or an object
// the caller can still change. Each case here checks that the event is
// JSON.parse of the signed text, a fresh object, and that changing the
// caller's object after verifying leaves it as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { types } from 'node:util';
import { MemoryReplayStore, verify, Webhook } from 'promptfoo-webhooks';

const SECRET = 'whsec-test-0123456789abcdef';
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');
const OPTIONS = { allowParsedBody: true };
const PAYLOAD = {
  event: 'issue.created',
  timestamp: '2025-03-14T12:34:56Z',
  data: { issue: { id: 'i-1', severity: 'high', history: ['opened'] }, eventData: {} },
};
const fresh = () => structuredClone(PAYLOAD);

/** Each way to verify a parsed body: synchronous, and asynchronous; a new Webhook for each call. */
const VERIFIERS = {
  verify: async (body, signature) => verify(body, signature, SECRET, OPTIONS),
  'Webhook#verify': async (body, signature) => new Webhook(SECRET, OPTIONS).verify(body, signature),
  // The asynchronous path (verifyDeliveryAsync), as the HTTP receivers take it.
  'Webhook#verifyOnce': (body, signature) =>
    new Webhook(SECRET, { ...OPTIONS, dedupe: { store: new MemoryReplayStore() } }).verifyOnce(body, signature),
};

/** Verifies `parsed` with each verifier (signed as JSON.stringify prints it now) and checks the event is that text, fresh. */
async function eachVerified(makeParsed, check) {
  for (const [name, verifyWith] of Object.entries(VERIFIERS)) {
    const parsed = makeParsed();
    const text = JSON.stringify(parsed);
    const event = await verifyWith(parsed, hmac(text));
    await check(event, parsed, name);
    assert.notEqual(event, parsed, `${name}: the caller's object is not the event`);
    assert.equal(event.secretIndex, 0, name);
    assert.deepEqual(event, JSON.parse(text), `${name}: the event is the signed text`);
  }
}

test('changing a plain parsed body after verify does not change the event', async () => {
  await eachVerified(fresh, (event, parsed, name) => {
    parsed.data.issue.id = 'i-evil';
    parsed.data.issue.history.push('tampered');
    parsed.event = 'evaluation.created';
    assert.equal(event.data.issue.id, 'i-1', name);
    assert.deepEqual(event.data.issue.history, ['opened'], name);
    assert.equal(event.event, 'issue.created', name);
  });
});

test('a getter is read once, by JSON.stringify: the event holds that value as data, not the getter', async () => {
  let id = 'i-1';
  let reads = 0;
  const withGetter = () => {
    const parsed = fresh();
    Object.defineProperty(parsed.data.issue, 'id', {
      enumerable: true,
      get: () => {
        reads++;
        return id;
      },
    });
    return parsed;
  };
  await eachVerified(withGetter, (event, parsed, name) => {
    const descriptor = Object.getOwnPropertyDescriptor(event.data.issue, 'id');
    assert.equal(descriptor.value, 'i-1', name);
    assert.equal(descriptor.get, undefined, name);
    id = 42; // what the schema would refuse, had it been signed
    assert.equal(event.data.issue.id, 'i-1', name);
    id = 'i-1';
  });
  // Once by the test's own JSON.stringify and once by verify's, per verifier: never again.
  assert.equal(reads, 2 * Object.keys(VERIFIERS).length);
});

test('a member the text leaves out (non-enumerable) is not in the event, and a required one is missing', async () => {
  await eachVerified(
    () => Object.defineProperty(fresh(), 'admin', { value: true, enumerable: false }),
    (event, parsed, name) => {
      assert.equal(event.admin, undefined, name);
      assert.equal(Object.hasOwn(event, 'admin'), false, name);
    },
  );
  // `data` that JSON.stringify does not print was not signed: the payload lacks it.
  const hidden = fresh();
  Object.defineProperty(hidden, 'data', { value: hidden.data, enumerable: false });
  const text = JSON.stringify(hidden);
  for (const [name, verifyWith] of Object.entries(VERIFIERS)) {
    await assert.rejects(verifyWith(hidden, hmac(text)), { code: 'invalid_payload', path: '$.data' }, name);
  }
});

test('symbol-keyed members are not in the event', async () => {
  const tag = Symbol.for('promptfoo.trusted');
  await eachVerified(
    () => Object.assign(fresh(), { [tag]: true }),
    (event, parsed, name) => {
      assert.deepEqual(Object.getOwnPropertySymbols(event), [], name);
      assert.equal(event[tag], undefined, name);
    },
  );
});

test("an array's extra keys are not in the event", async () => {
  await eachVerified(
    () => {
      const parsed = fresh();
      parsed.data.issue.history.approvedBy = 'admin';
      return parsed;
    },
    (event, parsed, name) => {
      assert.deepEqual(Object.keys(event.data.issue.history), ['0'], name);
      assert.equal(event.data.issue.history.approvedBy, undefined, name);
    },
  );
});

test('a Proxy is read once, by JSON.stringify: the event is no Proxy, and later answers do not reach it', async () => {
  let lie = false;
  const makeParsed = () => {
    const parsed = fresh();
    parsed.data.issue = new Proxy(parsed.data.issue, {
      get: (target, key, receiver) => (key === 'id' && lie ? 42 : Reflect.get(target, key, receiver)),
    });
    return parsed;
  };
  await eachVerified(makeParsed, (event, parsed, name) => {
    assert.equal(types.isProxy(event.data.issue), false, name);
    lie = true;
    assert.equal(parsed.data.issue.id, 42, `${name}: the caller's Proxy now lies`);
    assert.equal(event.data.issue.id, 'i-1', name);
    lie = false;
  });
  // A Proxy that lies from its second read on: what verify signed and checked is its first answer.
  for (const [name, verifyWith] of Object.entries(VERIFIERS)) {
    let reads = 0;
    const parsed = fresh();
    parsed.data.issue = new Proxy(parsed.data.issue, {
      get: (target, key, receiver) => (key === 'id' && reads++ >= 1 ? 42 : Reflect.get(target, key, receiver)),
    });
    const event = await verifyWith(parsed, hmac(JSON.stringify(PAYLOAD)));
    assert.equal(event.data.issue.id, 'i-1', name);
    assert.equal(reads, 1, `${name}: only JSON.stringify read the Proxy`);
  }
});
