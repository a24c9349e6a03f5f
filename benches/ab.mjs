// A/B: this checkout's package against another build of it, in one Node
// process, rounds interleaved, each ratio paired with its baseline in the
// same round (median of N). For "figures must not regress" on one machine,
// whatever its noise:
//
//   git worktree add /tmp/base <revision> && (cd /tmp/base && make build)
//   node benches/ab.mjs /tmp/base/pkg [rounds]
//
// Prints this/base per operation, path (the default Node entry, and the
// portable wasm-only build) and body size: above 1.00x is faster here.
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
