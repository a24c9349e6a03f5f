// The hash providers in real workerd: with nodejs_compat the runtime offers
// process.getBuiltinModule and the synchronous surfaces hash bodies of
// 512 B and more with node:crypto; without it, the wasm HMAC hashes them
// all; the asynchronous surfaces (verifyRequest, verifySignatureAsync) use
// WebCrypto. All must give the same answers: valid deliveries of every size
// accepted, any other refused with the same code, never a header that only
// looks like hex.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleEvent } from 'promptfoo-webhooks';
import { bundleWorker, freePort, startWorkerd, workerdConfig } from './support/workerd.mjs';

const WORKER_ENTRY = fileURLToPath(new URL('./support/provider-worker.js', import.meta.url));
const SECRET = randomBytes(32).toString('hex'); // hex: no escaping in the capnp config
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');

const runtimes = []; // { flags, dir, workerd }

before(async () => {
  for (const flags of [['nodejs_compat'], []]) {
    const dir = mkdtempSync(join(tmpdir(), 'workerd-providers-'));
    const { modules } = await bundleWorker(WORKER_ENTRY, dir);
    const port = await freePort();
    writeFileSync(join(dir, 'config.capnp'), workerdConfig({ port, modules, flags, bindings: { PROMPTFOO_WEBHOOK_SECRET: SECRET } }));
    runtimes.push({ flags, dir, workerd: await startWorkerd(dir, port) });
  }
});

after(async () => {
  for (const { dir, workerd } of runtimes) {
    await workerd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A signed issue.created of at least `size` bytes. */
function delivery(size) {
  const payload = sampleEvent('issue.created');
  payload.data.eventData = { note: 'é'.repeat(Math.max(0, (size - JSON.stringify(payload).length) / 2)) };
  const body = JSON.stringify(payload);
  return { body, signature: hmac(body) };
}

test('with nodejs_compat the runtime offers getBuiltinModule (the node:crypto provider); without it, not', async () => {
  const offers = await Promise.all(runtimes.map(async ({ workerd }) => (await fetch(new URL('/runtime', workerd.url))).json()));
  assert.deepEqual(offers, [{ getBuiltinModule: true, subtleVerifies: 0 }, { getBuiltinModule: false, subtleVerifies: 0 }]);
});

test('both providers give the same answers, at every body size', async () => {
  for (const size of [100, 600, 4096, 100_000]) {
    const { body, signature } = delivery(size);
    const cases = [
      ['valid', '/', signature, { received: 'issue.created' }],
      ['upper case', '/', signature.toUpperCase(), { received: 'issue.created' }],
      ['blanks around', '/', ` ${signature}\t`, { received: 'issue.created' }],
      ['tampered', '/', hmac(`${body} `), { error: 'signature_mismatch' }],
      ['a non-hex byte', '/', `\u00ff${signature.slice(1)}`, { error: 'malformed_signature' }],
      ['characters that only look like hex', '/lookalike', signature, { error: 'malformed_signature' }],
    ];
    for (const [label, path, header, expected] of cases) {
      for (const { flags, workerd } of runtimes) {
        // An HTTP header cannot carry the look-alike characters, so verifyRequest sees only the others.
        for (const via of path === '/lookalike' ? ['verify', 'async'] : ['verify', 'request', 'async']) {
          const response = await fetch(new URL(`${path}?via=${via}`, workerd.url), {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json', 'x-promptfoo-signature': header },
          });
          const answer = via === 'async' ? { valid: 'received' in expected } : expected;
          assert.deepEqual(await response.json(), answer, `${size} B, ${label}, flags [${flags}], via ${via}`);
        }
      }
    }
  }
});

test('the asynchronous surfaces verified with WebCrypto, with and without nodejs_compat', async () => {
  for (const { flags, workerd } of runtimes) {
    const { subtleVerifies } = await (await fetch(new URL('/runtime', workerd.url))).json();
    // The three sizes of 512 B and more (100 B is hashed in wasm, faster
    // there); per size, the four well-formed headers (valid, upper case,
    // blanks, tampered) through verifyRequest and through verifySignatureAsync.
    // A malformed one is refused before any hashing.
    assert.equal(subtleVerifies, 3 * (4 + 4), `flags [${flags}]`);
  }
});
