// Replay protection: the timestamp window's direction, and de-duplication of
// deliveries with a ReplayStore (MemoryReplayStore, and any async store).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { verify, Webhook, MemoryReplayStore, WebhookVerificationError } from 'promptfoo-webhooks';

const SECRET = 'whsec-replay-0123456789abcdef';
const hmac = (body, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
const SENT = '2025-03-14T12:34:56Z';
const SENT_MS = Date.parse(SENT);
const delivery = (n = 1) => {
  const body = JSON.stringify({ event: 'issue.created', timestamp: SENT, data: { issue: { id: `i-${n}` }, eventData: {} } });
  return { body, signature: hmac(body) };
};

function errorOf(fn) {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError, String(error));
    return error;
  }
  assert.fail('expected a throw');
}

// ---------------------------------------------------------------- window direction

test('timestamp_outside_window says too_old or in_future in error.reason; the code keeps its meaning', () => {
  const { body, signature } = delivery();
  const at = (ms) => () => verify(body, signature, SECRET, { toleranceSeconds: 300, now: ms });
  const old = errorOf(at(SENT_MS + 301_000));
  assert.equal(old.code, 'timestamp_outside_window');
  assert.equal(old.reason, 'too_old');
  assert.match(old.message, /301s old/);
  const future = errorOf(at(SENT_MS - 301_000));
  assert.equal(future.code, 'timestamp_outside_window');
  assert.equal(future.reason, 'in_future');
  assert.match(future.message, /301s in the future/);
  // At the edges the delivery passes.
  assert.equal(at(SENT_MS + 300_000)().event, 'issue.created');
  assert.equal(at(SENT_MS - 300_000)().event, 'issue.created');
  // No other error has a reason.
  assert.equal(errorOf(() => verify(body, hmac('x'), SECRET)).reason, undefined);
  assert.equal('reason' in errorOf(() => verify(body, 'zz', SECRET)), false);
  // It survives serialization for logs.
  assert.equal(JSON.parse(JSON.stringify(old)).reason, 'too_old');
});

// ---------------------------------------------------------------- dedupe

test('verifyOnce accepts a delivery once, then rejects repeats with duplicate_delivery', async () => {
  const webhook = new Webhook(SECRET, { dedupe: { store: new MemoryReplayStore() } });
  const { body, signature } = delivery();
  assert.equal((await webhook.verifyOnce(body, signature)).event, 'issue.created');
  await assert.rejects(webhook.verifyOnce(body, signature), (error) => {
    assert.ok(error instanceof WebhookVerificationError);
    assert.equal(error.code, 'duplicate_delivery');
    assert.match(error.hint, /already accepted/);
    return true;
  });
  // The same delivery with the signature in upper case, padded, or as bytes is the same delivery.
  for (const again of [signature.toUpperCase(), ` ${signature}\t`]) {
    await assert.rejects(webhook.verifyOnce(Buffer.from(body), again), { code: 'duplicate_delivery' });
  }
  // Another delivery is not a repeat.
  const other = delivery(2);
  assert.equal((await webhook.verifyOnce(other.body, other.signature)).data.issue.id, 'i-2');
  // verify() stays idempotent and never consults the store.
  assert.equal(webhook.verify(body, signature).event, 'issue.created');
});

test('only verified deliveries are claimed: junk cannot fill the store', async () => {
  const store = new MemoryReplayStore({ maxEntries: 5 });
  const webhook = new Webhook(SECRET, { dedupe: { store } });
  const { body, signature } = delivery();
  for (let i = 0; i < 100; i++) {
    await assert.rejects(webhook.verifyOnce(`${body} `, signature), { code: 'signature_mismatch' });
    await assert.rejects(webhook.verifyOnce(body, 'f'.repeat(64)), { code: 'signature_mismatch' });
  }
  assert.equal(store.size, 0);
  // A delivery that fails the window is not claimed either: it may verify later if the clock was wrong.
  let now = SENT_MS + 10 * 60_000;
  const windowed = new Webhook(SECRET, { toleranceSeconds: 60, now: () => now, dedupe: { store } });
  await assert.rejects(windowed.verifyOnce(body, signature), { code: 'timestamp_outside_window', reason: 'too_old' });
  assert.equal(store.size, 0);
  now = SENT_MS;
  assert.ok(await windowed.verifyOnce(body, signature));
  assert.equal(store.size, 1);
});

test('MemoryReplayStore: keys expire after their TTL (injected clock)', () => {
  let now = 1_000_000;
  const store = new MemoryReplayStore({ now: () => now });
  assert.equal(store.claim('a', 60), true);
  assert.equal(store.claim('a', 60), false);
  now += 59_999;
  assert.equal(store.claim('a', 60), false);
  now += 1;
  assert.equal(store.claim('a', 60), true, 'expired at exactly ttl');
  assert.equal(store.claim('a', 60), false);
  // Expired keys are dropped as later claims arrive, not kept until the bound.
  const swept = new MemoryReplayStore({ now: () => now });
  for (let i = 0; i < 100; i++) swept.claim(`k${i}`, 60);
  assert.equal(swept.size, 100);
  now += 60_000;
  swept.claim('fresh', 60);
  assert.equal(swept.size, 1);
});

test('verifyOnce uses the TTL: a repeat after it expires is accepted again', async () => {
  let now = SENT_MS;
  const store = new MemoryReplayStore({ now: () => now });
  const webhook = new Webhook(SECRET, { dedupe: { store, ttlSeconds: 30 } });
  const { body, signature } = delivery();
  await webhook.verifyOnce(body, signature);
  now += 29_000;
  await assert.rejects(webhook.verifyOnce(body, signature), { code: 'duplicate_delivery' });
  now += 1_000;
  assert.ok(await webhook.verifyOnce(body, signature));
});

test('MemoryReplayStore is bounded: it never holds more than maxEntries keys', () => {
  const store = new MemoryReplayStore({ maxEntries: 100 });
  for (let i = 0; i < 10_000; i++) {
    assert.equal(store.claim(`key-${i}`, 3600), true);
    assert.ok(store.size <= 100);
  }
  assert.equal(store.size, 100);
  // The newest are kept, the oldest forgotten first.
  assert.equal(store.claim('key-9999', 3600), false);
  assert.equal(store.claim('key-9900', 3600), false);
  assert.equal(store.claim('key-0', 3600), true);
  for (const bad of [0, -1, 1.5, Infinity, '10']) {
    assert.throws(() => new MemoryReplayStore({ maxEntries: bad }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  }
  assert.throws(() => store.claim(42, 10), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => store.claim('k', 0), { code: 'ERR_OUT_OF_RANGE' });
});

test('concurrent verifyOnce of the same delivery accepts exactly once', async () => {
  const { body, signature } = delivery();
  const memory = new Webhook(SECRET, { dedupe: { store: new MemoryReplayStore() } });
  // An async store too (as Redis or KV would be), atomic per key like SET NX.
  const seen = new Set();
  const asyncStore = {
    async claim(key) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
  };
  const remote = new Webhook(SECRET, { dedupe: { store: asyncStore } });
  for (const webhook of [memory, remote]) {
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => webhook.verifyOnce(body, signature)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(results.filter((r) => r.status === 'rejected').every((r) => r.reason.code === 'duplicate_delivery'));
  }
});

test('verifyRequest de-duplicates when dedupe is configured', async () => {
  const webhook = new Webhook(SECRET, { dedupe: { store: new MemoryReplayStore() } });
  const { body, signature } = delivery();
  const request = () => new Request('http://127.0.0.1/', { method: 'POST', body, headers: { 'x-promptfoo-signature': signature } });
  assert.equal((await webhook.verifyRequest(request())).event, 'issue.created');
  await assert.rejects(webhook.verifyRequest(request()), { code: 'duplicate_delivery' });
  // Without dedupe, verifyRequest is as before.
  const plain = new Webhook(SECRET);
  await plain.verifyRequest(request());
  await plain.verifyRequest(request());
});

test('dedupe configuration errors', async () => {
  const { body, signature } = delivery();
  await assert.rejects(new Webhook(SECRET).verifyOnce(body, signature), { code: 'invalid_options', message: /dedupe/ });
  for (const dedupe of [null, {}, { store: {} }, { store: { claim: 1 } }, { store: new MemoryReplayStore(), ttlSeconds: 0 }, { store: new MemoryReplayStore(), ttlSeconds: 1.5 }]) {
    assert.throws(() => new Webhook(SECRET, { dedupe }), { code: 'invalid_options' }, JSON.stringify(dedupe));
  }
  // Top-level verify() is synchronous: dedupe there is a mistake, said so.
  assert.throws(() => verify(body, signature, SECRET, { dedupe: { store: new MemoryReplayStore() } }), {
    code: 'invalid_options',
    message: /verifyOnce/,
  });
  // A store must answer with a boolean; anything else fails closed.
  const vague = new Webhook(SECRET, { dedupe: { store: { claim: () => 'OK' } } });
  await assert.rejects(vague.verifyOnce(body, signature), { name: 'TypeError', code: 'ERR_INVALID_RETURN_VALUE' });
  // A store that fails passes its own error through: an outage is not the sender's fault.
  const outage = new Error('redis is down');
  const broken = new Webhook(SECRET, { dedupe: { store: { claim: async () => { throw outage; } } } });
  await assert.rejects(broken.verifyOnce(body, signature), (error) => error === outage);
});

test('default TTL: twice the window plus a minute of clock slack when one is set, else a day', async () => {
  const ttls = [];
  const store = { claim: (_key, ttl) => (ttls.push(ttl), true) };
  const { body, signature } = delivery();
  await new Webhook(SECRET, { toleranceSeconds: 300, now: SENT_MS, dedupe: { store } }).verifyOnce(body, signature);
  await new Webhook(SECRET, { dedupe: { store } }).verifyOnce(body, signature);
  await new Webhook(SECRET, { dedupe: { store, ttlSeconds: 7 } }).verifyOnce(body, signature);
  // A repeat can arrive up to twice the window after the first copy; 60 s covers clocks that disagree.
  assert.deepEqual(ttls, [660, 86_400, 7]);
});

test('store keys are the normalized signature with a prefix, never the secret or the body', async () => {
  const keys = [];
  const store = { claim: (key) => (keys.push(key), true) };
  const { body, signature } = delivery();
  await new Webhook(SECRET, { dedupe: { store } }).verifyOnce(body, signature.toUpperCase());
  assert.deepEqual(keys, [`promptfoo-webhooks:${signature}`]);
});
