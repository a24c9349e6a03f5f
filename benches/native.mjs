// Native Rust: this crate's prepared Verifier against the hmac + sha2
// crates used by hand, signing and verifying the same bodies as
// benches/verify.mjs, in interleaved rounds (crates/dev-tools/src/bin/native_bench.rs).
//
//   node benches/native.mjs [--quick]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { label, payloadOfSize, SIZES } from './payloads.mjs';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 7;
const SLICE_MS = QUICK ? 60 : 150;
const RESULTS = new URL('./results/', import.meta.url);
const repo = new URL('..', import.meta.url).pathname;

const dir = mkdtempSync(join(tmpdir(), 'native-bench-'));
const files = SIZES.map((size, i) => {
  const file = join(dir, `${i}.json`);
  writeFileSync(file, payloadOfSize(size));
  return file;
});
execFileSync('cargo', ['build', '--quiet', '--release', '-p', 'dev-tools', '--bin', 'native_bench'], { cwd: repo, stdio: 'inherit' });
const out = execFileSync(join(repo, 'target/release/native_bench'), [String(ROUNDS), String(SLICE_MS), ...files], { encoding: 'utf8' });
rmSync(dir, { recursive: true, force: true });

const results = out.trim().split('\n').map((line) => JSON.parse(line));
const sizes = [...new Set(results.map((r) => r.bytes))];
const ops = (contender, bytes) => results.find((r) => r.contender === contender && r.bytes === bytes).ops;
// Each row's ratio is to the hand-written baseline of its operation (the first row of that operation).
const baselineOf = (contender) => {
  const { op } = results.find((r) => r.contender === contender);
  return results.find((r) => r.op === op).contender;
};
const lines = [`| contender | ${sizes.map(label).join(' | ')} |`, `|---|${sizes.map(() => '---:').join('|')}|`];
for (const contender of [...new Set(results.map((r) => r.contender))]) {
  const cells = sizes.map((bytes) => {
    const value = ops(contender, bytes);
    return `${Math.round(value).toLocaleString('en')} ops/s (${(value / ops(baselineOf(contender), bytes)).toFixed(2)}x)`;
  });
  lines.push(`| ${contender} | ${cells.join(' | ')} |`);
}
const table = lines.join('\n');
console.log(`\nNative Rust, ops/s (ratio to the hand-written hmac + sha2 of the same operation; median of ${ROUNDS})\n\n${table}`);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(new URL('native.md', RESULTS), table + '\n');
writeFileSync(new URL('native.json', RESULTS), JSON.stringify({ rounds: ROUNDS, results }, null, 2) + '\n');
