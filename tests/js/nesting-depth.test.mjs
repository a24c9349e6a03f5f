// The nesting limit on typed payloads (MAX_TREE_DEPTH, src/contract.rs):
// every typed path accepts exactly the bodies nested at most that deep and
// refuses the rest with the core's invalid_json error, whose message names
// the byte where the text first went wrong. The cases sit on either side
// of the limit and put brackets where a scan could miscount them: inside
// strings, after escaped quotes, beside many shallow siblings. A body both
// malformed and too deep gets the error of whichever comes first in the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { parseEvent, verify, Webhook } from 'promptfoo-webhooks';

const SECRET = 'whsec-test-0123456789abcdef';
const LIMIT = 10_000;
const OPTIONS = { maxBodyBytes: 4 * 1024 * 1024 };
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');

// The envelope and `data` are the first two levels; `deep` holds the rest.
const PREFIX = '{"event":"x.y","timestamp":"2025-03-14T12:34:56Z","data":{"deep":';
const envelope = (inner) => `${PREFIX}${inner}}}`;
const arrays = (depth) => '['.repeat(depth) + ']'.repeat(depth);
const objects = (depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const emptyObjectIn = (depth) => '{"a":'.repeat(depth) + '{}' + '}'.repeat(depth);
const mixed = (pairs) => '[{"a":'.repeat(pairs) + '0' + '}]'.repeat(pairs);
/** The core's message for nesting that passes the limit at byte `offset`. */
const tooDeepAt = (offset) => `invalid JSON at byte ${offset}: nesting deeper than ${LIMIT} levels`;
/** Byte of the opener that makes the envelope one level too deep, `before` bytes into `deep` and then one per level. */
const firstTooDeep = (before, perLevel = 1) => PREFIX.length + before + (LIMIT - 2) * perLevel;

const ACCEPTED = {
  'arrays at the limit': envelope(arrays(LIMIT - 2)),
  'objects at the limit': envelope(objects(LIMIT - 2)),
  'an empty object at the limit': envelope(emptyObjectIn(LIMIT - 3)),
  'arrays and objects in turn, at the limit': envelope(mixed((LIMIT - 2) / 2)),
  'brackets in a string, past the limit': envelope(`["${'['.repeat(LIMIT + 5)}${'{'.repeat(LIMIT + 5)}"]`),
  'brackets after an escaped quote, in the string': envelope(`["\\"${'['.repeat(LIMIT + 5)}"]`),
  'closing brackets in a string before the limit': envelope(`["${']'.repeat(50)}",${arrays(LIMIT - 3)}]`),
  'many shallow siblings': envelope(`[${'[],{},'.repeat(2 * LIMIT)}[]]`),
  'many siblings, then the limit': envelope(`[${'[1],'.repeat(2 * LIMIT)}${arrays(LIMIT - 3)}]`),
};

const REFUSED = {
  'arrays one past the limit': [envelope(arrays(LIMIT - 1)), tooDeepAt(firstTooDeep(0))],
  'objects one past the limit': [envelope(objects(LIMIT - 1)), tooDeepAt(firstTooDeep(0, 5))],
  'an empty object one past the limit': [envelope(emptyObjectIn(LIMIT - 2)), tooDeepAt(firstTooDeep(0, 5))],
  'arrays and objects in turn, one past the limit': [envelope(mixed((LIMIT - 2) / 2 + 1)), tooDeepAt(PREFIX.length + ((LIMIT - 2) / 2) * 6)],
  'a million levels': [envelope(arrays(1_000_000)), tooDeepAt(firstTooDeep(0))],
  // The backslash is escaped: the quote after it ends the string, and the brackets count.
  'brackets after an escaped backslash': [envelope(`["\\\\",${arrays(LIMIT - 1)}]`), tooDeepAt(firstTooDeep(6, 1) - 1)],
  'many siblings, then one past the limit': [envelope(`[${'[1],'.repeat(2 * LIMIT)}${arrays(LIMIT - 2)}]`), tooDeepAt(firstTooDeep(1 + 8 * LIMIT) - 1)],
  // Malformed as well: whichever the text reaches first is the error.
  'too deep and never closed': [envelope('['.repeat(LIMIT)), tooDeepAt(firstTooDeep(0))],
  'too deep, then malformed': [envelope(`${arrays(LIMIT - 1)},]`), tooDeepAt(firstTooDeep(0))],
  'malformed, then too deep': [envelope(`[01,${arrays(LIMIT)}]`), `invalid JSON at byte ${PREFIX.length + 1}: leading zero in number`],
  'a byte order mark before deep nesting': [`\ufeff${envelope(arrays(LIMIT))}`, "invalid JSON at byte 0: unexpected character '\\u{feff}'"],
};

/**
 * Whether `a` and `b` hold the same JSON data, compared without recursion
 * (assert.deepEqual overflows the stack at these depths).
 */
function sameJson(a, b) {
  const pending = [[a, b]];
  while (pending.length > 0) {
    const [x, y] = pending.pop();
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) {
      if (!Object.is(x, y)) return false;
      continue;
    }
    const keys = Object.keys(x);
    if (Array.isArray(x) !== Array.isArray(y) || keys.length !== Object.keys(y).length) return false;
    for (const key of keys) {
      if (!Object.hasOwn(y, key)) return false;
      pending.push([x[key], y[key]]);
    }
  }
  return true;
}

/** Every typed path's answer for `body`: the event or the error's code and message, per path. */
async function answers(body) {
  const signature = hmac(body);
  const bytes = new TextEncoder().encode(body);
  const webhook = new Webhook(SECRET, OPTIONS);
  const request = () => new Request('http://127.0.0.1/hook', { method: 'POST', body: bytes, headers: { 'x-promptfoo-signature': signature } });
  const paths = {
    'parseEvent(text)': () => parseEvent(body),
    'parseEvent(bytes)': () => parseEvent(bytes),
    'verify(text)': () => verify(body, signature, SECRET, OPTIONS),
    'verify(bytes)': () => verify(bytes, signature, SECRET, OPTIONS),
    'Webhook.verify(Buffer)': () => webhook.verify(Buffer.from(body), signature),
    'Webhook.verifyRequest': () => webhook.verifyRequest(request()),
  };
  const out = {};
  for (const [name, run] of Object.entries(paths)) {
    try {
      out[name] = { event: await run() };
    } catch (error) {
      out[name] = { code: error.code, message: error.message };
    }
  }
  return out;
}

test('bodies nested at most the limit are typed, on every path, as JSON.parse reads them', async () => {
  for (const [name, body] of Object.entries(ACCEPTED)) {
    const expected = JSON.parse(body);
    for (const [path, answer] of Object.entries(await answers(body))) {
      assert.equal(answer.code, undefined, `${name}, ${path}: ${answer.message}`);
      assert.ok(sameJson(answer.event, expected), `${name}, ${path}`);
    }
  }
});

test('bodies nested past the limit are refused, on every path, with the core error naming the first fault', async () => {
  for (const [name, [body, message]] of Object.entries(REFUSED)) {
    for (const [path, answer] of Object.entries(await answers(body))) {
      assert.deepEqual(answer, { code: 'invalid_json', message }, `${name}, ${path}`);
    }
  }
});

test('the limit holds with enumerable objects added to Object.prototype', () => {
  // Objects from JSON.parse inherit them; they are no part of the payload.
  Object.prototype.polluted = { inner: { more: {} } };
  try {
    for (const name of ['arrays at the limit', 'many shallow siblings', 'many siblings, then the limit']) {
      const body = ACCEPTED[name];
      assert.equal(verify(body, hmac(body), SECRET, OPTIONS).event, 'x.y', name);
      assert.equal(parseEvent(Buffer.from(body)).event, 'x.y', name);
    }
    const [body, message] = REFUSED['many siblings, then one past the limit'];
    assert.throws(() => verify(body, hmac(body), SECRET, OPTIONS), { code: 'invalid_json', message });
  } finally {
    delete Object.prototype.polluted;
  }
});

test('a 1 MB delivery holding more than the limit in brackets is typed without instantiating the core', () => {
  // In a fresh process that counts wasm instantiations. A findings list:
  // 22,000 small objects, shallow, each a pair of brackets.
  const source = `
    import { createHmac } from 'node:crypto';
    let instances = 0;
    const Instance = WebAssembly.Instance;
    WebAssembly.Instance = function (...args) { instances++; return new Instance(...args); };
    const { Webhook } = await import('promptfoo-webhooks');
    const findings = Array.from({ length: 22000 }, (_, i) => ({ id: 'f-' + i, severity: 'low', tags: ['pii'] }));
    const body = Buffer.from(JSON.stringify({ event: 'x.y', timestamp: '2025-03-14T12:34:56Z', data: { findings } }));
    const signature = createHmac('sha256', ${JSON.stringify(SECRET)}).update(body).digest('hex');
    const event = new Webhook(${JSON.stringify(SECRET)}, { maxBodyBytes: 2 * 1024 * 1024 }).verify(body, signature);
    console.log(JSON.stringify({ bytes: body.length, instances, findings: event.data.findings.length }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const { bytes, ...rest } = JSON.parse(result.stdout);
  assert.ok(bytes > 1_000_000, `${bytes} bytes`);
  assert.deepEqual(rest, { instances: 0, findings: 22_000 });
});
