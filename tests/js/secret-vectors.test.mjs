// The shared secret vectors (tests/vectors/secrets.json, read by
// tests/secret_vectors.rs too) through the package's public API: the
// package judges a secret by the contract's rule, generated into JS, and
// must refuse exactly what the core refuses, with the same message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as node from 'promptfoo-webhooks';
import * as portable from 'promptfoo-webhooks/portable';

const SECRETS = JSON.parse(readFileSync(new URL('../vectors/secrets.json', import.meta.url), 'utf8'));

const secretOf = ({ secret, bytes }) => secret ?? Uint8Array.from(bytes);

/** What `build` does: null when it returns, else the error's code and message. */
function outcome(build) {
  try {
    build();
    return null;
  } catch (error) {
    return { code: error.code, message: error.message };
  }
}

test('every secret is judged as the vectors say, on each entry and surface', () => {
  assert.ok(SECRETS.cases.length > 10);
  for (const [entry, pkg] of Object.entries({ node, portable })) {
    for (const vector of SECRETS.cases) {
      const want = vector.message === null ? null : { code: 'invalid_secret', message: vector.message };
      const surfaces = {
        Webhook: () => new pkg.Webhook(secretOf(vector)),
        'verify, in a rotation list': () => pkg.verify('{}', '0'.repeat(64), ['rotation-secret-0123456789abcdef', secretOf(vector)]),
        sign: () => pkg.sign('{}', secretOf(vector)),
      };
      for (const [surface, build] of Object.entries(surfaces)) {
        const got = outcome(build);
        if (surface !== 'Webhook' && want === null) continue; // verify and sign go on to other errors or a signature
        const label = `${entry}, ${surface}, ${vector.label}`;
        assert.deepEqual(got, want, label);
      }
    }
  }
});
