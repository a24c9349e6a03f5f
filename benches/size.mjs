// Size: the wasm modules and the JS glue, raw and gzip; a verify-only Worker
// bundled as wrangler does (esbuild, wasm kept external); a verify-only
// browser bundle built by esbuild for this package and for each peer; the
// npm tarball. Prints each of issue 27's size goals beside its figure.
//
//   node benches/size.mjs
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const RESULTS = new URL('./results/', import.meta.url);
const ROOT = new URL('..', import.meta.url).pathname;
const dist = new URL('../pkg/dist/', import.meta.url);
const GOAL_KB = 20; // the verify-only browser bundle and the verify-only Worker, gzip
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

const files = [
  ['verify core wasm, instantiated on first need (pkg/dist/wasm/core_bg.wasm)', 'wasm/core_bg.wasm'],
  ['tools wasm, loaded on first use (pkg/dist/wasm/tools_bg.wasm)', 'wasm/tools_bg.wasm'],
  ['Node ESM glue, whole API (pkg/dist/node.js)', 'node.js'],
  ['Node ESM glue, receiving surface (pkg/dist/verify.js)', 'verify.js'],
  ['Workers glue, whole API (pkg/dist/workerd.js)', 'workerd.js'],
  ['browser build, both wasm inlined as text (pkg/dist/browser.js)', 'browser.js'],
];
const rows = files.map(([name, file]) => {
  const bytes = readFileSync(new URL(file, dist));
  return { name, file, raw: bytes.length, gzip: gz(bytes) };
});
const gzipOf = (file) => rows.find((row) => row.file === file).gzip;
const wasmGzip = gzipOf('wasm/core_bg.wasm');

// Text only one module holds (prose in its data section that the other
// module lacks; names it imports or exports are in the glue too): a bundle
// holding one of these runs carries that module, as an app's bundler
// prints the inlined text as it is.
const wasmText = (name) => readFileSync(new URL(`wasm/${name}_bg.wasm`, dist), 'latin1');
const runsOf = (name) => {
  const other = wasmText(name === 'core' ? 'tools' : 'core');
  return wasmText(name).match(/[A-Za-z0-9 ,.:()_-]{24,}/g).filter((run) => run.includes(' ') && !other.includes(run));
};
const toolsRuns = runsOf('tools');
const carriesTools = (code) => toolsRuns.some((run) => code.includes(run));

/** esbuild's minified bundle of `contents`: its bytes. */
async function bundle(contents, options) {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true, minify: true, write: false, format: 'esm', logLevel: 'silent', ...options,
  });
  return result.outputFiles[0].contents;
}

// A Worker that only verifies, bundled as wrangler does: its JS, and the
// wasm modules it imports (the verify core alone: the tools module is left
// out with the tools).
const workerJs = await bundle(
  `import { Webhook } from 'promptfoo-webhooks';
export default { fetch: (request, env) => new Webhook(env.SECRET).verifyRequest(request).then((e) => new Response(e.event)) };`,
  { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], external: ['*.wasm'] },
);
const workerImports = [...Buffer.from(workerJs).toString().matchAll(/from\s*"\.\/wasm\/(\w+)\.wasm"/g)].map((m) => m[1]);
const workerGzip = gz(workerJs) + workerImports.reduce((sum, name) => sum + gzipOf(`wasm/${name}.wasm`), 0);

// What a browser app ships to verify one delivery, bundled and minified.
const OURS = 'promptfoo-webhooks: verify';
const entries = {
  [OURS]: `import { verify } from 'promptfoo-webhooks'; globalThis.v = verify;`,
  'promptfoo-webhooks: new Webhook(...).verifyRequest': `import { Webhook } from 'promptfoo-webhooks'; globalThis.v = (s, r) => new Webhook(s).verifyRequest(r);`,
  svix: `import { Webhook } from 'svix'; globalThis.v = Webhook;`,
  standardwebhooks: `import { Webhook } from 'standardwebhooks'; globalThis.v = Webhook;`,
  '@octokit/webhooks-methods': `import { verify } from '@octokit/webhooks-methods'; globalThis.v = verify;`,
  '@noble/hashes (hmac + sha256)': `import { hmac } from '@noble/hashes/hmac.js'; import { sha256 } from '@noble/hashes/sha2.js'; globalThis.v = [hmac, sha256];`,
  'fast-sha256': `import { hmac } from 'fast-sha256'; globalThis.v = hmac;`,
};
const bundles = [];
for (const [name, contents] of Object.entries(entries)) {
  const bytes = await bundle(contents, { platform: 'browser' }).catch(() => undefined);
  if (bytes === undefined) bundles.push({ name, note: 'does not bundle for browsers' });
  else bundles.push({ name, raw: bytes.length, gzip: gz(bytes), tools: name.startsWith('promptfoo-webhooks') ? carriesTools(Buffer.from(bytes).toString('latin1')) : undefined });
}
const ours = bundles.filter((b) => b.name.startsWith('promptfoo-webhooks'));
const largestOurs = ours.reduce((a, b) => (b.gzip > a.gzip ? b : a));

// The tarball as npm packs it: its files, and which of them hold each wasm
// module (the .wasm file, or a bundle inlining its text).
const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: new URL('../pkg/', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
const packedDist = pack.files.map((f) => f.path).filter((path) => path.startsWith('dist/'));
const holders = (name) => {
  const runs = runsOf(name);
  return packedDist.filter((path) => {
    const bytes = readFileSync(new URL(path.slice('dist/'.length), dist), 'latin1');
    return path.endsWith('.wasm') ? path === `dist/wasm/${name}_bg.wasm` : runs.some((run) => bytes.includes(run));
  });
};
const copies = { core: holders('core'), tools: holders('tools') };

const lines = ['| artifact | raw | gzip |', '|---|---:|---:|'];
for (const r of rows) lines.push(`| ${r.name} | ${kb(r.raw)} | ${kb(r.gzip)} |`);
lines.push(`| verify core wasm + Workers glue | | ${kb(wasmGzip + gzipOf('workerd.js'))} |`);
lines.push(`| verify-only Worker as wrangler bundles it: JS | ${kb(workerJs.length)} | ${kb(gz(workerJs))} |`);
lines.push(`| verify-only Worker: JS + the wasm it imports (${workerImports.join(', ')}) | | ${kb(workerGzip)} |`);
lines.push(`| npm tarball (npm pack; raw: unpacked, gzip: packed) | ${kb(pack.unpackedSize)} | ${kb(pack.size)} |`);
lines.push('', '| verify-only browser bundle (esbuild, minified) | raw | gzip | tools module in it |', '|---|---:|---:|---|');
for (const b of bundles) {
  lines.push(b.note ? `| ${b.name} | ${b.note} | | |` : `| ${b.name} | ${kb(b.raw)} | ${kb(b.gzip)} | ${b.tools === undefined ? '' : b.tools ? 'yes' : 'no'} |`);
}
const table = lines.join('\n');

// The goals (issue 27), each beside its figure.
const goals = [
  [`verify-only browser bundle at most ${GOAL_KB} KB gzip`, `${kb(largestOurs.gzip)} (${largestOurs.name.replace('promptfoo-webhooks: ', '')})`, largestOurs.gzip <= GOAL_KB * 1024],
  [`verify-only Worker, JS + wasm, at most ${GOAL_KB} KB gzip`, kb(workerGzip), workerGzip <= GOAL_KB * 1024],
  ['a verify-only browser bundle carries no tools module', ours.map((b) => (b.tools ? 'tools in it' : 'none')).join(', '), ours.every((b) => !b.tools)],
  [
    'the tarball ships each wasm module once: its .wasm file (Node, Workers, portable.cjs) and its text in browser.js, no other bundle inlining a copy',
    Object.entries(copies).map(([name, paths]) => `${name}: ${paths.map((p) => p.slice('dist/'.length)).join(', ')}`).join('; '),
    Object.entries(copies).every(([name, paths]) => [...paths].sort().join() === `dist/browser.js,dist/wasm/${name}_bg.wasm`),
  ],
];
const goalTable = `| goal | figure | met |\n|---|---|---|\n${goals.map(([goal, figure, met]) => `| ${goal} | ${figure} | ${met ? 'yes' : 'no'} |`).join('\n')}`;

console.log(`\nSize\n\n${table}\n\n${goalTable}`);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(new URL('size.md', RESULTS), `${table}\n\n${goalTable}\n`);
const verifyOnlyWorker = { js: { raw: workerJs.length, gzip: gz(workerJs) }, imports: workerImports, gzip: workerGzip };
const tarball = { packed: pack.size, unpacked: pack.unpackedSize, copies };
writeFileSync(new URL('size.json', RESULTS), JSON.stringify({ files: rows, verifyOnlyWorker, bundles, tarball, goals }, null, 2) + '\n');
