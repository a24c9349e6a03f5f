// The verify core is instantiated on the first call that needs it, not at
// import (core/wasm.js, useCore). Each case runs in a fresh Node process
// that counts wasm instantiations: importing the package makes none, the
// first call that needs the core makes one, and that first call answers
// exactly as the same call does once the core is loaded (the result, or
// the error's code, message and path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';

const SECRET = 'lazy-core-secret-0123456789abcdef';
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');
const SMALL = JSON.stringify({ event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'i-1' }, eventData: {} } });
const LARGE = SMALL.replace('"eventData":{}', `"eventData":{"pad":"${'x'.repeat(1500)}"}`);

/**
 * Runs `calls` (source of an async function of the package and the
 * fixtures, returning what to compare) in a fresh process, twice in a row:
 * `{ afterImport, afterFirst, first, second }`, the instantiation counts
 * after the import and after the first run, and each run's outcome.
 */
function fresh(calls, entry = 'import') {
  const load = entry === 'import' ? "await import('promptfoo-webhooks')" : "createRequire(process.cwd() + '/').call(null, 'promptfoo-webhooks')";
  const source = `
    import { createRequire } from 'node:module';
    let instances = 0;
    const Instance = WebAssembly.Instance;
    WebAssembly.Instance = function (...args) { instances++; return new Instance(...args); };
    const outcome = async (run) => {
      try { return { value: await run() }; } catch (error) { return { code: error.code, message: error.message, path: error.path }; }
    };
    const pkg = ${load};
    const afterImport = instances;
    const fixtures = ${JSON.stringify({ SECRET, SMALL, LARGE, SMALL_SIG: hmac(SMALL), LARGE_SIG: hmac(LARGE) })};
    const run = () => (${calls})(pkg, fixtures);
    const first = await outcome(run);
    const afterFirst = instances;
    const second = await outcome(run);
    console.log(JSON.stringify({ afterImport, afterFirst, first, second }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

test('importing the package instantiates no wasm (ES module and CommonJS builds)', () => {
  for (const entry of ['import', 'require']) {
    const { afterImport } = fresh('async () => null', entry);
    assert.equal(afterImport, 0, entry);
  }
});

test('a typed verify of a 1.5 KB delivery, hashed by node:crypto, instantiates no core, and answers as later calls do', () => {
  const cases = {
    'verify, 1.5 KB body': 'async ({ verify }, f) => verify(f.LARGE, f.LARGE_SIG, f.SECRET).event',
    'Webhook.verify, 1.5 KB body': 'async ({ Webhook }, f) => new Webhook(f.SECRET).verify(f.LARGE, f.LARGE_SIG).data.issue.id',
    'new Webhook': 'async ({ Webhook }, f) => new Webhook(f.SECRET) instanceof Webhook',
    'short secret': "async ({ Webhook }) => new Webhook('short')",
    'wrong signature': "async ({ verify }, f) => verify(f.LARGE, f.SMALL_SIG, f.SECRET)",
    'invalid payload': "async ({ parseEvent }, f) => parseEvent(f.LARGE.replace('issue.created', 'issue.updated'))",
    'verifySignature, wrong signature': 'async ({ verifySignature }, f) => verifySignature(f.LARGE, f.SMALL_SIG, f.SECRET)',
    'verifyRequest': "async ({ Webhook }, f) => (await new Webhook(f.SECRET).verifyRequest(new Request('http://x/', { method: 'POST', body: f.LARGE, headers: { 'x-promptfoo-signature': f.LARGE_SIG } }))).event",
    'padded secret': "async ({ verify }, f) => verify(f.LARGE, f.LARGE_SIG, f.SECRET + '\\n')",
  };
  for (const [name, calls] of Object.entries(cases)) {
    const { afterImport, afterFirst, first, second } = fresh(calls);
    assert.equal(afterImport, 0, name);
    assert.equal(afterFirst, 0, name);
    assert.deepEqual(first, second, name);
  }
});

test('the first call that needs the core instantiates it once, and answers as later calls do', () => {
  const cases = {
    'verify, small body': 'async ({ verify }, f) => verify(f.SMALL, f.SMALL_SIG, f.SECRET).event',
    'upper-case signature': 'async ({ verify }, f) => verify(f.LARGE, f.LARGE_SIG.toUpperCase(), f.SECRET).event',
    'malformed signature': "async ({ verify }, f) => verify(f.LARGE, 'sha256=' + f.LARGE_SIG, f.SECRET)",
    'missing signature': 'async ({ verify }, f) => verify(f.LARGE, undefined, f.SECRET)',
    'invalid JSON': "async ({ verify }, f) => { const body = f.LARGE.slice(0, -1); return verify(body, (await import('node:crypto')).createHmac('sha256', f.SECRET).update(body).digest('hex'), f.SECRET); }",
    isKnownEvent: "async ({ isKnownEvent }) => [isKnownEvent({ event: 'issue.created' }), isKnownEvent({ event: 'later.event' })]",
    sign: 'async ({ sign }, f) => sign(f.SMALL, f.SECRET)',
  };
  for (const [name, calls] of Object.entries(cases)) {
    const { afterImport, afterFirst, first, second } = fresh(calls);
    assert.equal(afterImport, 0, name);
    assert.equal(afterFirst, 1, name);
    assert.deepEqual(first, second, name);
  }
});
