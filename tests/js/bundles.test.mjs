// What apps bundle: an app that only verifies must not carry the tools
// module (canonicalize, change events, config checks, secrets), which the
// package loads on first use; one that uses a tool gets it and it works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = new URL('../../', import.meta.url).pathname;
const SECRET = 'whsec-test-0123456789abcdef';
const BODY = JSON.stringify({ event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'i-1' }, eventData: {} } });
const SIGNATURE = createHmac('sha256', SECRET).update(BODY).digest('hex');
// A text only one module holds (in its data section): the browser build
// inlines the modules as strings of one character per byte, and a bundler
// prints plain ASCII runs of them as they are. Not in the other module, nor
// in the JS glue (the Workers build holds the glue without any wasm).
const markers = (() => {
  const wasm = (name) => readFileSync(join(ROOT, `pkg/dist/wasm/${name}_bg.wasm`)).toString('latin1');
  const glue = readFileSync(join(ROOT, 'pkg/dist/workerd.js'), 'latin1');
  const pick = (name, other) => {
    const found = wasm(name).match(/[A-Za-z0-9 ,.:()_-]{24,}/g).find((run) => !wasm(other).includes(run) && !glue.includes(run));
    assert.ok(found, `a text only the ${name} module holds`);
    return found;
  };
  return { core: pick('core', 'tools'), tools: pick('tools', 'core') };
})();
const marker = (name) => markers[name];

async function browserBundle(contents) {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true, minify: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0].contents).toString();
}

/** Runs a bundle as an ES module in this process and returns its exports. */
async function load(code) {
  const dir = mkdtempSync(join(tmpdir(), 'promptfoo-webhooks-bundle-'));
  try {
    const file = join(dir, 'bundle.mjs');
    writeFileSync(file, code);
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a browser app that only verifies carries the verify core, not the tools', async () => {
  for (const entry of ['promptfoo-webhooks', 'promptfoo-webhooks/verify']) {
    const code = await browserBundle(`export { verify, Webhook } from '${entry}';`);
    assert.ok(code.includes(marker('core')), `${entry}: the verify core is inlined`);
    assert.ok(!code.includes(marker('tools')), `${entry}: the tools module was left out`);
    const { verify, Webhook } = await load(code);
    assert.equal(verify(BODY, SIGNATURE, SECRET).event, 'issue.created');
    assert.equal(new Webhook(SECRET).verify(BODY, SIGNATURE).event, 'issue.created');
  }
});

test('the portable build inlines neither module: it reads each .wasm file on first need', () => {
  const code = readFileSync(join(ROOT, 'pkg/dist/portable.cjs'), 'latin1');
  assert.ok(!code.includes(marker('core')) && !code.includes(marker('tools')));
});

test('a browser app that canonicalizes carries the tools and loads them on first use', async () => {
  const code = await browserBundle(`export { verify, canonicalize, generateSecret } from 'promptfoo-webhooks';`);
  assert.ok(code.includes(marker('tools')));
  const { verify, canonicalize, generateSecret } = await load(code);
  assert.equal(verify(BODY, SIGNATURE, SECRET).event, 'issue.created');
  assert.equal(canonicalize('{ "b": 1, "1": [1.50] }'), '{"1":[1.5],"b":1}');
  assert.match(generateSecret(), /^[0-9a-f]{64}$/);
});

test('a Worker bundled as wrangler does imports the wasm it uses and inlines none', async () => {
  const bundle = async (contents) => {
    const result = await build({
      stdin: { contents, resolveDir: ROOT, loader: 'js' },
      bundle: true, minify: true, write: false, format: 'esm', platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'], external: ['*.wasm'], logLevel: 'silent',
    });
    const code = Buffer.from(result.outputFiles[0].contents).toString();
    assert.ok(!code.includes(marker('core')) && !code.includes(marker('tools')));
    return [...code.matchAll(/from\s*"\.\/wasm\/(\w+)\.wasm"/g)].map((m) => m[1]).sort();
  };
  // The tools module is a file of its own in the Workers build: dropped with the tools.
  assert.deepEqual(await bundle(`export { Webhook } from 'promptfoo-webhooks';`), ['core_bg']);
  assert.deepEqual(await bundle(`export { Webhook, canonicalize } from 'promptfoo-webhooks';`), ['core_bg', 'tools_bg']);
});
