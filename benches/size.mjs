// Size: the wasm module and the JS glue, raw and gzip, and a verify-only
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
  ['wasm module (pkg/dist/wasm/core_bg.wasm)', 'wasm/core_bg.wasm'],
  ['Node ESM glue (pkg/dist/node.js)', 'node.js'],
  ['Workers glue (pkg/dist/workerd.js)', 'workerd.js'],
  ['browser build, wasm inlined (pkg/dist/browser.js)', 'browser.js'],
];
const rows = files.map(([name, file]) => {
  const bytes = readFileSync(new URL(file, dist));
  return { name, raw: bytes.length, gzip: gz(bytes) };
});
const wasmGzip = rows[0].gzip;
const workerGlueGzip = rows[2].gzip;

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
lines.push(`| wasm + Workers glue | | ${kb(wasmGzip + workerGlueGzip)} |`);
lines.push('', '| verify-only browser bundle (esbuild, minified) | raw | gzip |', '|---|---:|---:|');
for (const b of bundles) lines.push(b.note ? `| ${b.name} | ${b.note} | |` : `| ${b.name} | ${kb(b.raw)} | ${kb(b.gzip)} |`);
const table = lines.join('\n');
console.log(`\nSize\n\n${table}`);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(new URL('size.md', RESULTS), table + '\n');
writeFileSync(new URL('size.json', RESULTS), JSON.stringify({ files: rows, bundles }, null, 2) + '\n');
