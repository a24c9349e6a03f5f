// canonicalize() (wasm, in Node) and the native Rust canonicalizer against
// V8's own JSON.stringify(JSON.parse(text)), on the same texts.
//
//   node benches/canonicalize.mjs [--quick]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalize } from 'promptfoo-webhooks';
import { label, payloadOfSize, SIZES } from './payloads.mjs';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 7;
const SLICE_MS = QUICK ? 60 : 150;
const RESULTS = new URL('./results/', import.meta.url);
const repo = new URL('..', import.meta.url).pathname;

function opsPerSecond(fn, sliceMs) {
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < sliceMs) {
    fn();
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The native side: a release build of crates/dev-tools/src/bin/canonical_bench.rs times the same files.
const dir = mkdtempSync(join(tmpdir(), 'canon-bench-'));
const texts = SIZES.map((size, i) => {
  const text = payloadOfSize(size);
  writeFileSync(join(dir, `${i}.json`), text);
  return text;
});
execFileSync('cargo', ['build', '--quiet', '--release', '-p', 'dev-tools', '--bin', 'canonical_bench'], { cwd: repo, stdio: 'inherit' });
const nativeOut = execFileSync(join(repo, 'target/release/canonical_bench'), [String(SLICE_MS * ROUNDS), ...SIZES.map((_, i) => join(dir, `${i}.json`))], { encoding: 'utf8' });
const nativeOps = nativeOut.trim().split('\n').map(Number);
rmSync(dir, { recursive: true, force: true });

const rows = [];
for (const [i, text] of texts.entries()) {
  if (canonicalize(text) !== JSON.stringify(JSON.parse(text))) throw new Error('canonicalize disagrees with V8');
  const v8 = [];
  const wasm = [];
  for (let round = 0; round < ROUNDS; round++) {
    const pair = [() => v8.push(opsPerSecond(() => JSON.stringify(JSON.parse(text)), SLICE_MS)), () => wasm.push(opsPerSecond(() => canonicalize(text), SLICE_MS))];
    if (round % 2) pair.reverse();
    pair.forEach((run) => run());
  }
  const size = Buffer.byteLength(text);
  rows.push({ size, v8: median(v8), wasm: median(wasm), native: nativeOps[i] });
}

const lines = ['| body | V8 JSON.stringify(JSON.parse()) | canonicalize (wasm) | native Rust |', '|---|---:|---:|---:|'];
for (const r of rows) {
  const mbps = (ops) => `${((ops * r.size) / 1e6).toFixed(0)} MB/s`;
  lines.push(`| ${label(r.size)} | ${Math.round(r.v8).toLocaleString('en-US')} ops/s (${mbps(r.v8)}) | ${(r.wasm / r.v8).toFixed(2)}x | ${(r.native / r.v8).toFixed(2)}x |`);
}
const table = lines.join('\n');
console.log(`\nCanonical JSON, ratios to V8 (median of ${ROUNDS} interleaved rounds)\n\n${table}`);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(new URL('canonicalize.json', RESULTS), JSON.stringify({ node: process.version, date: new Date().toISOString(), rows }, null, 2) + '\n');
writeFileSync(new URL('canonicalize.md', RESULTS), table + '\n');
