// What each part of the verify core costs: builds it as `make build` does
// (--features verify, wasm-bindgen, wasm-opt -O3) but keeping the function
// names (-g, in a target directory of its own), then sorts twiggy's items
// (shallow bytes) by what they serve. Exported functions carry what the
// optimizer inlined into them, so each row is a close, not an exact, figure.
//
//   node benches/core-size.mjs        (needs twiggy: cargo install twiggy)
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';

const ROOT = new URL('..', import.meta.url).pathname;
const OUT = '/tmp/promptfoo-webhooks-core-size';
const FEATURES = ['--enable-reference-types', '--enable-multivalue', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals'];
const run = (command, args) => execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });

mkdirSync(OUT, { recursive: true });
run('cargo', ['build', '-q', '--release', '--target', 'wasm32-unknown-unknown', '-p', 'promptfoo-webhooks-wasm', '--features', 'verify', '--target-dir', `${OUT}/target`]);
run('wasm-bindgen', ['--target', 'web', '--omit-default-module-path', '--out-dir', OUT, '--out-name', 'core', `${OUT}/target/wasm32-unknown-unknown/release/promptfoo_webhooks_wasm.wasm`]);
run('node_modules/.bin/wasm-opt', ['-O3', '-g', '--strip-producers', '--strip-target-features', ...FEATURES, `${OUT}/core_bg.wasm`, '-o', `${OUT}/named.wasm`]);
const csv = run(`${homedir()}/.cargo/bin/twiggy`, ['top', '-n', '100000', '-f', 'csv', `${OUT}/named.wasm`]);
const items = csv.trim().split('\n').slice(1).map((line) => {
  const [, quoted, bytes] = line.match(/^("(?:[^"]|"")*"|[^,]*),(\d+)/);
  return { name: quoted.replace(/^"|"$/g, '').replace(/""/g, '"'), bytes: Number(bytes) };
});

// First match wins: the order matters (an export's name before the generic runtime names).
const PARTS = [
  ['names section (kept here for twiggy; not shipped)', /names" subsection/],
  ['SHA-256 compression (sha2)', /sha2::|compress256/],
  ['HMAC, keys and matching (Key::new, Mac, KeySet, the verifier exports)', /Mac::|KeySet|Hashing|add_secret|check_ready|begin_body|update_body|finish_sign|check_signature|finish_signature|Verifier::|wasmverifier_new|hex::|check_body_size/],
  ['signature header parsing', /parse_signature|decode_signature/],
  ['JSON validation (invalid_json and its offset)', /check_json|canonical::parser|Cursor::|from_utf8_lossy|Utf8Chunks/],
  ['depth scan', /depth_scan|DepthScan/],
  ['replay window (timestamp parsing)', /check_window/],
  ['event names', /is_known_event/],
  ['errors thrown to JS (thrown, the Display of Error)', /thrown|verificationError/],
  ['core::fmt (messages with numbers, format!)', /fmt|Display|Debug|LowerHex|write_str|write_char|format/],
  ['allocator (dlmalloc, realloc, Vec growth, drops)', /dlmalloc|__rust_(alloc|dealloc|realloc)|__rdl_|raw_vec|RawVec|grow_one|finish_grow|reserve|malloc|__wbindgen_free|drop_slow|drop_in_place/],
  ['panics and std runtime', /panic|unwrap_failed|abort|LazyStorage|AccessError|BorrowError|BorrowMutError|std\[|std::/],
  ['wasm-bindgen runtime (externref table, memory, scratch)', /externref|wbindgen|__wbg|linear_memory|scratch|^table\[|^elem\[/],
  ['data (.rodata: messages, event names, constants)', /data segment/],
  ['module structure (types, imports, exports, headers)', /^type\[|^import |^export |custom section|headers|^global\[|^memory\[|magic bytes/],
];
const totals = new Map(PARTS.map(([label]) => [label, 0]));
let other = 0;
for (const item of items) {
  const part = PARTS.find(([, pattern]) => pattern.test(item.name));
  if (part) totals.set(part[0], totals.get(part[0]) + item.bytes);
  else other += item.bytes;
}
const total = items.reduce((sum, item) => sum + item.bytes, 0);
const shipped = total - totals.get(PARTS[0][0]);
console.log('| part of the verify core | bytes | of the shipped module |\n|---|---:|---:|');
for (const [label, bytes] of [...totals].slice(1)) console.log(`| ${label} | ${bytes.toLocaleString('en')} | ${((100 * bytes) / shipped).toFixed(1)}% |`);
console.log(`| other | ${other.toLocaleString('en')} | ${((100 * other) / shipped).toFixed(1)}% |`);
console.log(`| total without names | ${shipped.toLocaleString('en')} | |`);
