// Size: the wasm modules and the JS glue, raw and gzip; a verify-only Worker
// bundled as wrangler does (esbuild, wasm kept external); and a verify-only
// browser bundle built by esbuild for this package and for each peer.
//
//   node benches/size.mjs
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const RESULTS = new URL('./results/', import.meta.url);
const dist = new URL('../pkg/dist/', import.meta.url);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

const files = [
  ['verify core wasm, loaded at import (pkg/dist/wasm/core_bg.wasm)', 'wasm/core_bg.wasm'],
  ['tools wasm, loaded on first use (pkg/dist/wasm/tools_bg.wasm)', 'wasm/tools_bg.wasm'],
  ['Node ESM glue, whole API (pkg/dist/node.js)', 'node.js'],
  ['Workers glue, whole API (pkg/dist/workerd.js)', 'workerd.js'],
  ['browser build, both wasm inlined (pkg/dist/browser.js)', 'browser.js'],
];
const rows = files.map(([name, file]) => {
  const bytes = readFileSync(new URL(file, dist));
  return { name, raw: bytes.length, gzip: gz(bytes) };
});
const wasmGzip = rows[0].gzip;
const workerGlueGzip = rows[3].gzip;

// A Worker that only verifies, bundled as wrangler does: its JS, and the
// wasm modules it imports (the verify core alone: the tools module is left
// out with the tools).
const worker = await build({
  stdin: {
    contents: `import { Webhook } from 'promptfoo-webhooks';
export default { fetch: (request, env) => new Webhook(env.SECRET).verifyRequest(request).then((e) => new Response(e.event)) };`,
    resolveDir: new URL('..', import.meta.url).pathname,
    loader: 'js',
  },
  bundle: true, minify: true, write: false, format: 'esm', platform: 'neutral',
  conditions: ['workerd', 'worker', 'browser'], external: ['*.wasm'], logLevel: 'silent',
});
const workerJs = worker.outputFiles[0].contents;
const workerImports = [...Buffer.from(workerJs).toString().matchAll(/from\s*"\.\/wasm\/(\w+)\.wasm"/g)].map((m) => m[1]);

// What a browser app ships to verify one delivery, bundled and minified.
const entries = {
  'promptfoo-webhooks (browser build)': `import { verify } from 'promptfoo-webhooks'; globalThis.v = verify;`,
  svix: `import { Webhook } from 'svix'; globalThis.v = Webhook;`,
  standardwebhooks: `import { Webhook } from 'standardwebhooks'; globalThis.v = Webhook;`,
  '@octokit/webhooks-methods': `import { verify } from '@octokit/webhooks-methods'; globalThis.v = verify;`,
  '@noble/hashes (hmac + sha256)': `import { hmac } from '@noble/hashes/hmac.js'; import { sha256 } from '@noble/hashes/sha2.js'; globalThis.v = [hmac, sha256];`,
  'fast-sha256': `import { hmac } from 'fast-sha256'; globalThis.v = hmac;`,
};
const bundles = [];
for (const [name, contents] of Object.entries(entries)) {
  const result = await build({
    stdin: { contents, resolveDir: new URL('..', import.meta.url).pathname, loader: 'js' },
    bundle: true, minify: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent',
  }).catch((error) => ({ error }));
  if (result.error) {
    bundles.push({ name, note: 'does not bundle for browsers' });
    continue;
  }
  const bytes = result.outputFiles[0].contents;
  bundles.push({ name, raw: bytes.length, gzip: gz(bytes) });
}

const lines = ['| artifact | raw | gzip |', '|---|---:|---:|'];
for (const r of rows) lines.push(`| ${r.name} | ${kb(r.raw)} | ${kb(r.gzip)} |`);
lines.push(`| verify core wasm + Workers glue | | ${kb(wasmGzip + workerGlueGzip)} |`);
lines.push(`| verify-only Worker as wrangler bundles it: JS | ${kb(workerJs.length)} | ${kb(gz(workerJs))} |`);
lines.push(`| verify-only Worker: JS + verify core wasm | | ${kb(gz(workerJs) + wasmGzip)} |`);
lines.push(`| (wasm modules the Worker imports) | ${workerImports.join(', ')} | |`);
lines.push('', '| verify-only browser bundle (esbuild, minified) | raw | gzip |', '|---|---:|---:|');
for (const b of bundles) lines.push(b.note ? `| ${b.name} | ${b.note} | |` : `| ${b.name} | ${kb(b.raw)} | ${kb(b.gzip)} |`);
const table = lines.join('\n');
console.log(`\nSize\n\n${table}`);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(new URL('size.md', RESULTS), table + '\n');
const verifyOnlyWorker = { js: { raw: workerJs.length, gzip: gz(workerJs) }, imports: workerImports };
writeFileSync(new URL('size.json', RESULTS), JSON.stringify({ files: rows, verifyOnlyWorker, bundles }, null, 2) + '\n');
