// A/B: this checkout's package against another build of it, in one Node
// process, rounds interleaved, each ratio paired with its baseline in the
// same round (median of N). For "figures must not regress" on one machine,
// whatever its noise:
//
//   git worktree add /tmp/base <revision> && (cd /tmp/base && make build)
//   node benches/ab.mjs /tmp/base/pkg [rounds]      (COLD_RUNS=61 for more cold starts)
//
// Prints this/base per operation, path (the default Node entry, and the
// portable wasm-only build) and body size: above 1.00x is faster here;
// then the cold start of each (a fresh process that imports the package and
// verifies one delivery), alternated, over an empty process.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [basePkg, roundsArg = '15'] = process.argv.slice(2);
if (!basePkg) {
  console.error('usage: node benches/ab.mjs <other checkout>/pkg [rounds]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const here = new URL('../pkg/dist/', import.meta.url);
const base = pathToFileURL(`${resolve(basePkg)}/dist/`);
const packages = {
  base: { node: await import(new URL('node.js', base)), portable: require(new URL('portable.cjs', base).pathname) },
  this: { node: await import(new URL('node.js', here)), portable: require(new URL('portable.cjs', here).pathname) },
};

const SECRET = 'whsec-bench-0123456789abcdef0123';
const SIZES = [256, 1500, 16 * 1024, 1024 * 1024];
const ROUNDS = Number(roundsArg);
const WINDOW_MS = 40;

/** An issue.created of `size` bytes. */
function body(size) {
  const text = JSON.stringify({
    event: 'issue.created',
    timestamp: '2025-03-14T12:34:56Z',
    data: { issue: { id: 'i-1', severity: 'high', status: 'open', history: [] }, eventData: { pad: '' } },
  });
  return text.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, size - text.length))}"`);
}

/** The operations compared, for one package's entry and one body. */
function operations(api, { bytes, signature, parsed, badSignature }, withParsed) {
  const webhook = new api.Webhook(SECRET, { maxBodyBytes: 2 * 1024 * 1024 });
  const ops = {
    verifySignature: () => api.verifySignature(bytes, signature, SECRET),
    'verifySignature, wrong signature': () => api.verifySignature(bytes, badSignature, SECRET),
    'Webhook.verify (typed)': () => webhook.verify(bytes, signature).event,
  };
  if (withParsed) ops['verify, parsed body'] = () => api.verify(parsed, signature, SECRET, { allowParsedBody: true }).event;
  return ops;
}

const rate = (fn, ms) => {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    fn();
    n++;
  }
  return n / (performance.now() - start);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const table = new Map(); // "op | path" -> size -> ratio
for (const size of SIZES) {
  const text = body(size);
  const bytes = Buffer.from(text);
  const signature = createHmac('sha256', SECRET).update(bytes).digest('hex');
  const delivery = { bytes, signature, parsed: JSON.parse(text), badSignature: signature.replace(/^./, signature[0] === 'a' ? 'b' : 'a') };
  const ratios = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const path of ['node', 'portable']) {
      const pair = Object.fromEntries(
        ['base', 'this'].map((which) => [which, operations(packages[which][path], delivery, path === 'node')]),
      );
      for (const op of Object.keys(pair.base)) {
        const key = `${op} | ${path}`;
        const ms = size > 100_000 ? WINDOW_MS * 4 : WINDOW_MS;
        const baseRate = rate(pair.base[op], ms);
        const thisRate = rate(pair.this[op], ms);
        ratios.set(key, [...(ratios.get(key) ?? []), thisRate / baseRate]);
      }
    }
  }
  for (const [key, list] of ratios) table.set(key, { ...table.get(key), [size]: median(list) });
}

const label = (bytes) => (bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} B`);
console.log(`\nthis checkout / ${basePkg}, paired per round, median of ${ROUNDS} (above 1.00x: faster here)\n`);
console.log(`| operation | entry | ${SIZES.map(label).join(' | ')} |`);
console.log(`|---|---|${SIZES.map(() => '---:').join('|')}|`);
for (const [key, bySize] of table) {
  const [op, path] = key.split(' | ');
  console.log(`| ${op} | ${path} | ${SIZES.map((s) => `${bySize[s].toFixed(2)}x`).join(' | ')} |`);
}

// ---------------------------------------------------------------- cold start

const COLD_RUNS = Number(process.env.COLD_RUNS ?? Math.max(ROUNDS * 2, 21));
const small = body(256);
const coldScript = (dist) => `const { verify } = await import(${JSON.stringify(new URL('node.js', dist).href)});
if (verify(${JSON.stringify(small)}, ${JSON.stringify(createHmac('sha256', SECRET).update(small).digest('hex'))}, ${JSON.stringify(SECRET)}).event !== 'issue.created') throw 1;`;
const coldScripts = { 'empty node': '', base: coldScript(base), this: coldScript(here) };
const coldTimes = Object.fromEntries(Object.keys(coldScripts).map((name) => [name, []]));
for (let run = 0; run < COLD_RUNS; run++) {
  const order = Object.keys(coldScripts);
  for (const name of run % 2 ? order.reverse() : order) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', coldScripts[name]], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`cold start of ${name} failed: ${result.stderr}`);
    coldTimes[name].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}
const empty = median(coldTimes['empty node']);
console.log(`\nCold start, import + one verify, median of ${COLD_RUNS} alternated runs\n`);
console.log('| process | median wall time | over empty node |\n|---|---:|---:|');
for (const [name, list] of Object.entries(coldTimes)) {
  console.log(`| ${name} | ${median(list).toFixed(1)} ms | ${(median(list) - empty).toFixed(1)} ms |`);
}
