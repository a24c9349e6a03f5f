// The hash providers against each other, on the package sources: the wasm
// HMAC alone, node:crypto (synchronous) and WebCrypto (asynchronous) must
// give the same answer to every delivery: the index of the matching secret,
// or the same error code. Bodies cross node:crypto's 512 B threshold and
// the core's piece size; signatures take every form a header or a caller's
// string can (case, blanks, truncation, junk, characters whose low byte
// only is hex).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import './support/sources.mjs'; // loads the wasm core the sources below use
import { nodeCryptoProvider, webCryptoProvider } from '../../pkg/src/core/hash.js';
import { KeyRing } from '../../pkg/src/core/keyring.js';

const require = createRequire(import.meta.url);
const SECRETS = ['first-secret-0123456789abcdef', 'second-secret-0123456789abcdef', 'third-secret-é-0123456789abcdef'];
const hmac = (secret, body) => createHmac('sha256', secret).update(body).digest('hex');

/** Each provider set as a KeyRing takes it: [label, synchronous provider, asynchronous provider]. */
const PROVIDERS = [
  ['wasm', null, null],
  ['node:crypto', nodeCryptoProvider(require), null],
  ['WebCrypto', null, webCryptoProvider(webcrypto.subtle)],
];

const lookalike = (hex) => [...hex].map((c) => String.fromCharCode(c.charCodeAt(0) + 0x100)).join('');

/** Bodies of every size class, as text and as bytes (a lone surrogate hashes as U+FFFD). */
function bodies() {
  const texts = [
    '',
    '{}',
    `{"note":"${'é'.repeat(100)}\ud800"}`,
    'x'.repeat(511),
    'x'.repeat(512),
    `{"note":"${'ü'.repeat(3000)}"}`,
    'y'.repeat(70_000),
  ];
  return texts.flatMap((text) => [text, Buffer.from(text)]);
}

/** Signature headers for `body` signed with `secret`: the valid one and every variant. */
function signatures(secret, body) {
  const hex = hmac(secret, body);
  return {
    valid: hex,
    upper: hex.toUpperCase(),
    blanks: ` ${hex}\t`,
    tampered: hmac(secret, Buffer.concat([Buffer.from(body), Buffer.from(' ')])),
    truncated: hex.slice(0, 63),
    extended: `${hex}0`,
    nonHex: `g${hex.slice(1)}`,
    lookalike: lookalike(hex),
    empty: '',
    missing: undefined,
  };
}

/** What a key ring answers: the secret's index, or the error code. */
async function answer(call) {
  try {
    return await call();
  } catch (error) {
    return error.code ?? error.message;
  }
}

test('every provider gives the same index or error code, for every body and signature form', async () => {
  const rings = PROVIDERS.map(([label, sync, async]) => [label, new KeyRing(SECRETS, {}, sync, async)]);
  let compared = 0;
  for (const body of bodies()) {
    for (const [secretIndex, secret] of SECRETS.entries()) {
      for (const [form, signature] of Object.entries(signatures(secret, body))) {
        const answers = {};
        for (const [label, ring] of rings) {
          answers[`${label} sync`] = await answer(() => ring.signatureIndex(body, signature));
          answers[`${label} async`] = await answer(() => ring.asyncSignatureIndex(body, signature));
          answers[`${label} matches`] = ring.matches(body, signature ?? '');
          answers[`${label} matchesAsync`] = await ring.matchesAsync(body, signature ?? '');
        }
        const context = `${typeof body} of ${body.length}, secret ${secretIndex}, ${form}`;
        const expectedIndex = ['valid', 'upper', 'blanks'].includes(form) ? secretIndex : undefined;
        for (const [label, value] of Object.entries(answers)) {
          if (label.includes('matches')) assert.equal(value, expectedIndex !== undefined, `${context}: ${label}`);
          else if (expectedIndex !== undefined) assert.equal(value, expectedIndex, `${context}: ${label}`);
          else assert.equal(value, answers['wasm sync'], `${context}: ${label} vs wasm`);
        }
        assert.match(String(answers['wasm sync']), expectedIndex === undefined ? /_signature|signature_/ : /^\d$/, context);
        compared += 1;
      }
    }
  }
  for (const [, ring] of rings) ring.free();
  assert.equal(compared, bodies().length * SECRETS.length * 10);
});

test('the asynchronous path keeps the checks before hashing: body limit, then the signature form', async () => {
  const ring = new KeyRing(SECRETS[0], { maxBodyBytes: 100 }, null, webCryptoProvider(webcrypto.subtle));
  const big = 'x'.repeat(101);
  await assert.rejects(async () => ring.asyncSignatureIndex(big, hmac(SECRETS[0], big)), { code: 'body_too_large' });
  await assert.rejects(ring.matchesAsync(big, hmac(SECRETS[0], big)), { code: 'body_too_large' });
  await assert.rejects(async () => ring.asyncSignatureIndex('{}', undefined), { code: 'missing_signature' });
  await assert.rejects(async () => ring.asyncSignatureIndex('{}', 'zz'), { code: 'malformed_signature' });
  ring.free();
});

test('WebCrypto imports each key once per key ring, and only on the asynchronous surfaces', async () => {
  let imports = 0;
  const counting = webCryptoProvider({
    importKey: (...args) => ((imports += 1), webcrypto.subtle.importKey(...args)),
    verify: (...args) => webcrypto.subtle.verify(...args),
  });
  const ring = new KeyRing(SECRETS, {}, null, counting);
  ring.signatureIndex('{}', hmac(SECRETS[0], '{}'));
  assert.equal(imports, 0);
  for (let i = 0; i < 3; i++) assert.equal(await ring.asyncSignatureIndex('{}', hmac(SECRETS[1], '{}')), 1);
  assert.equal(imports, SECRETS.length);
  ring.free();
});

test("bodies below the asynchronous provider's minBytes take the synchronous path, with the same answers", async () => {
  let verifies = 0;
  const counting = webCryptoProvider(
    {
      importKey: (...args) => webcrypto.subtle.importKey(...args),
      verify: (...args) => ((verifies += 1), webcrypto.subtle.verify(...args)),
    },
    512,
  );
  const ring = new KeyRing(SECRETS, {}, null, counting);
  for (const [body, expected] of [['x'.repeat(511), 0], ['x'.repeat(512), 3]]) {
    verifies = 0;
    assert.equal(await ring.asyncSignatureIndex(body, hmac(SECRETS[2], body)), 2);
    await assert.rejects(async () => ring.asyncSignatureIndex(body, hmac(SECRETS[2], `${body} `)), { code: 'signature_mismatch' });
    assert.equal(await ring.matchesAsync(body, hmac(SECRETS[0], body)), true);
    // One call per secret for each of the three checks above, or none below 512 B.
    assert.equal(verifies, expected * 3, `${body.length} B`);
  }
  ring.free();
});
