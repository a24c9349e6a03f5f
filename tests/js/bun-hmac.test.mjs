// In Bun, the node:crypto provider (core/hash.js) hashes with Bun's own
// keyed hasher, Bun.CryptoHasher, once it has given HMAC-SHA256's known
// answer; elsewhere, or when that answer is wrong, with createHmac. Either
// way a body's digest is createHmac's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { nodeCryptoProvider } from '../../pkg/src/core/hash.js';

const require = createRequire(import.meta.url);
const BUN = fileURLToPath(new URL('../../node_modules/@oven/bun-linux-x64/bin/bun', import.meta.url));
const HASH_JS = fileURLToPath(new URL('../../pkg/src/core/hash.js', import.meta.url));
const SECRET = 'whsec-ünï-0123456789abcdef';
const BODIES = ['{"event":"x.y"}', 'héllo ✓ \u{1F600}', 'a\ud800b', '', 'x'.repeat(100_000)];
const expected = (body) => createHmac('sha256', Buffer.from(SECRET)).update(body).digest('hex');

/** The provider's digests of BODIES (text and bytes) with `Bun` as globalThis.Bun. */
function digestsWith(Bun) {
  globalThis.Bun = Bun;
  try {
    const provider = nodeCryptoProvider(require);
    const key = provider.prepare(SECRET);
    return BODIES.flatMap((body) => [provider.hex(key, body), provider.hex(key, new TextEncoder().encode(body))]);
  } finally {
    delete globalThis.Bun;
  }
}

/** A stand-in for Bun.CryptoHasher made of createHmac, counting the hashers made; `wrong` spoils every digest. */
function fakeHasher(wrong = false) {
  const made = { count: 0 };
  class CryptoHasher {
    #hmac;
    constructor(algorithm, key) {
      made.count += 1;
      this.#hmac = createHmac(algorithm, key);
    }
    update(data) {
      this.#hmac.update(data);
      return this;
    }
    digest(encoding) {
      const digest = this.#hmac.digest(encoding);
      return wrong ? digest.replace(/^./, (c) => (c === '0' ? '1' : '0')) : digest;
    }
  }
  return { CryptoHasher, made };
}

test('a keyed hasher that gives the known answer hashes every body', () => {
  const { CryptoHasher, made } = fakeHasher();
  assert.deepEqual(digestsWith({ CryptoHasher }), BODIES.flatMap((body) => [expected(body), expected(body)]));
  // One for the known answer, then one per body hashed.
  assert.equal(made.count, 1 + 2 * BODIES.length);
});

test('a keyed hasher that gives a wrong answer is not used: createHmac hashes', () => {
  const { CryptoHasher, made } = fakeHasher(true);
  assert.deepEqual(digestsWith({ CryptoHasher }), BODIES.flatMap((body) => [expected(body), expected(body)]));
  assert.equal(made.count, 1);
  assert.deepEqual(digestsWith({}), BODIES.flatMap((body) => [expected(body), expected(body)]));
});

test("in Bun, the provider's digests are createHmac's", () => {
  const source = `
    import { createHmac } from 'node:crypto';
    import { createRequire } from 'node:module';
    import { nodeCryptoProvider } from ${JSON.stringify(HASH_JS)};
    const provider = nodeCryptoProvider(createRequire(import.meta.url));
    const key = provider.prepare(${JSON.stringify(SECRET)});
    const bodies = ${JSON.stringify(BODIES)};
    const same = bodies.map((body) => [body, new TextEncoder().encode(body)].every((b) => provider.hex(key, b) === createHmac('sha256', Buffer.from(${JSON.stringify(SECRET)})).update(b).digest('hex')));
    console.log(JSON.stringify({ same, keyed: typeof Bun.CryptoHasher }));`;
  const result = spawnSync(BUN, ['-e', source], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { same: BODIES.map(() => true), keyed: 'function' });
});
