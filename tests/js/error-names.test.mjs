// The package's error classes keep their names in every build: esbuild
// renames a class that refers to itself (`_WebhookVerificationError`) and
// minifies names to a letter, and util.inspect, an uncaught error's stack
// and constructor.name would show that instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const DIST = new URL('../../pkg/dist/', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const CLASSES = ['WebhookVerificationError', 'PromptfooApiError'];

/**
 * The Workers build as Node can run it: each wasm import (a compiled
 * WebAssembly.Module in a Worker) becomes a module that compiles the file.
 */
async function workerdBuild() {
  const result = await build({
    entryPoints: [join(DIST, 'workerd.js')],
    bundle: true, write: false, format: 'esm', platform: 'neutral', external: ['node:*'], logLevel: 'silent',
    plugins: [{
      name: 'wasm-as-worker-module',
      setup(b) {
        b.onResolve({ filter: /\.wasm$/ }, (args) => ({ path: join(args.resolveDir, args.path), namespace: 'wasm-module' }));
        b.onLoad({ filter: /.*/, namespace: 'wasm-module' }, (args) => ({
          contents: `import { readFileSync } from 'node:fs'; export default new WebAssembly.Module(readFileSync(${JSON.stringify(args.path)}));`,
          loader: 'js',
        }));
      },
    }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'promptfoo-webhooks-names-'));
  try {
    const file = join(dir, 'workerd.mjs');
    writeFileSync(file, result.outputFiles[0].contents);
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const BUILDS = {
  'node.js': () => import(pathToFileURL(join(DIST, 'node.js')).href),
  'node.cjs': () => require(join(DIST, 'node.cjs')),
  'workerd.js': workerdBuild,
  'browser.js': () => import(pathToFileURL(join(DIST, 'browser.js')).href),
  'portable.cjs': () => require(join(DIST, 'portable.cjs')),
};

for (const [build, load] of Object.entries(BUILDS)) {
  test(`${build}: the error classes are named as exported, in constructor.name, String() and what inspect prints`, async () => {
    const module = await load();
    for (const name of CLASSES) {
      const error = new module[name]('some_code', 'what went wrong');
      assert.equal(module[name].name, name);
      assert.equal(error.constructor.name, name);
      assert.equal(String(error), `${name}: what went wrong`);
      assert.match(error.stack, new RegExp(`^${name}: what went wrong\n`));
      assert.match(inspect(error), new RegExp(`^${name}: what went wrong\n`));
    }
    const handlerError = new module.WebhookHandlerError([new Error('boom')], { event: 'issue.created' });
    assert.equal(module.WebhookHandlerError.name, 'WebhookHandlerError');
    assert.equal(handlerError.constructor.name, 'WebhookHandlerError');
    assert.match(inspect(handlerError), /^WebhookHandlerError: 1 handler failed for issue.created: boom\n/);
  });
}

test('a thrown verification error prints its class name, as an uncaught one would', async () => {
  const { Webhook } = await import(pathToFileURL(join(DIST, 'node.js')).href);
  assert.throws(() => new Webhook('short'), (error) => {
    assert.match(inspect(error), /^WebhookVerificationError: invalid secret/);
    return true;
  });
});
