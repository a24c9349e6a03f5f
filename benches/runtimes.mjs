// The package in every runtime it ships to, against the same work written
// by hand with that runtime's own HMAC: Node, Deno and Bun (node:crypto is
// their baseline), workerd with and without nodejs_compat, and Chromium
// (WebCrypto is theirs). Rows are the raw, typed and Request paths, and
// the handler (a Request in, a Response out), from
// benches/runtimes/contenders.mjs; each ratio is to the hand-written
// baseline of the same operation measured just before or after it, in
// interleaved rounds, then the median of the rounds.
//
// workerd freezes its clocks while code runs, so there each request runs a
// contender K times and this process times the request (K is calibrated,
// after a warm-up, so a request takes about a slice; the HTTP round trip is
// about 1% of it). Timed requests start from a collected heap, and workerd
// gets more, shorter rounds: its paired ratios spread wider.
//
// Every runtime's table has a control row, the Request baseline measured
// again as any other row is: how far it strays from 1.00x is the noise of
// that table's ratios.
//
//   node benches/runtimes.mjs [--quick] [--only=node,deno,bun,workerd,chromium] [--sizes=256,1024,...]
//
// --sizes measures other body sizes (to find a crossover between two
// paths); like --only, it leaves benches/results/ as it is.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launchChromium } from '../tests/js/support/chromium.mjs';
import { startStaticServer } from '../tests/js/support/static-server.mjs';
import { label, SIZES as DEFAULT_SIZES } from './payloads.mjs';
import { pairedRounds } from './runtimes/contenders.mjs';
import { startBenchWorker } from './runtimes/workerd-client.mjs';

const QUICK = process.argv.includes('--quick');
// Node, Deno, Bun and Chromium time in-process: 13 rounds of 60 ms (5 of
// 150 ms left their control rows at 0.80x-1.13x).
const ROUNDS = QUICK ? 3 : 13;
const SLICE_MS = QUICK ? 40 : 60;
// workerd: many short requests. A single measurement there spreads by
// +-20% (its event loop, garbage collection), so precision comes from the
// number of pairs: the control row stays within a few percent of 1.00x
// with 31 rounds of 50 ms, where 11 rounds of 150 ms left it at 0.90x-1.07x.
const WORKERD_ROUNDS = QUICK ? 5 : 31;
const WORKERD_SLICE_MS = QUICK ? 30 : 50;
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const sizesArg = process.argv.find((a) => a.startsWith('--sizes='))?.slice('--sizes='.length).split(',').map(Number);
const SIZES = sizesArg ?? DEFAULT_SIZES;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HERE = join(ROOT, 'benches/runtimes');
const RESULTS = new URL('./results/', import.meta.url);
const DENO = join(ROOT, 'node_modules/.bin/deno');
const BUN = join(ROOT, 'node_modules/@oven/bun-linux-x64/bin/bun');

/** Runs a process runtime's side (process.mjs); resolves to its measurements. */
function processRuntime(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, join(HERE, 'process.mjs'), String(ROUNDS), String(SLICE_MS), 'node:crypto', ...SIZES.map(String)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${command} exited ${code}\n${err}`));
      resolve(out.trim().split('\n').map((line) => JSON.parse(line)));
    });
  });
}

/** workerd serving worker.mjs, `flags` its compatibility flags; the client times K runs per request. */
async function workerdRuntime(flags) {
  const { get, timed, stop } = await startBenchWorker(join(HERE, 'worker.mjs'), flags);
  const samples = [];
  try {
    for (const size of SIZES) {
      const list = JSON.parse(await get(`/list?size=${size}`));
      const ks = new Map();
      for (const { name } of list) {
        // Warmed up first: a cold first run would set K from the compile's time.
        for (let warm = 0; warm < 3; warm++) await timed(size, name, 16);
        // A stall (another process on the cores, a collection) only adds time,
        // and one slow request at a small k would fix K at a few runs for all
        // rounds, where the HTTP round trip outweighs the work: each step
        // keeps the fastest of three requests.
        const fastest = async (k) => Math.min(await timed(size, name, k), await timed(size, name, k), await timed(size, name, k));
        let k = 1;
        let ms = await fastest(k);
        while (ms < WORKERD_SLICE_MS / 4) {
          k *= 4;
          ms = await fastest(k);
        }
        ks.set(name, Math.max(1, Math.round((k * WORKERD_SLICE_MS) / ms)));
      }
      const measure = async ({ name }) => (ks.get(name) * 1000) / (await timed(size, name, ks.get(name)));
      for (const sample of await pairedRounds(list, WORKERD_ROUNDS, measure)) samples.push({ size, ...sample });
    }
  } finally {
    await stop();
  }
  return samples;
}

/** Headless Chromium running page.mjs bundled with the package's browser build. */
async function chromiumRuntime() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-page-'));
  await build({ entryPoints: [join(HERE, 'page.mjs')], outfile: join(dir, 'page.js'), bundle: true, format: 'esm', platform: 'browser', absWorkingDir: ROOT, logLevel: 'warning' });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./page.js"></script>');
  const server = await startStaticServer(dir);
  const browser = await launchChromium();
  const samples = [];
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.bench !== undefined, null, { timeout: 20_000 }).catch((error) => {
      throw new Error(`${error.message}\n${problems.join('\n')}`);
    });
    for (const size of SIZES) {
      const list = await page.evaluate((s) => window.bench.list(s), size);
      const measure = ({ name }) => page.evaluate(([s, n, ms]) => window.bench.measure(s, n, ms), [size, name, SLICE_MS]);
      for (const sample of await pairedRounds(list, ROUNDS, measure)) samples.push({ size, ...sample });
    }
  } finally {
    await browser.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}

const RUNTIMES = [
  { id: 'node', name: `Node ${process.versions.node}`, best: 'node:crypto', run: () => processRuntime(process.execPath, []) },
  { id: 'deno', name: 'Deno', best: 'node:crypto', run: () => processRuntime(DENO, ['run', '-A'], { DENO_NO_UPDATE_CHECK: '1' }) },
  { id: 'bun', name: 'Bun', best: 'node:crypto', run: () => processRuntime(BUN, []) },
  { id: 'workerd', name: 'workerd (wrangler dev), nodejs_compat', best: 'WebCrypto', run: () => workerdRuntime(['nodejs_compat']) },
  { id: 'workerd', name: 'workerd (wrangler dev), no flags', best: 'WebCrypto', run: () => workerdRuntime([]) },
  { id: 'chromium', name: 'Chromium (headless)', best: 'WebCrypto', run: () => chromiumRuntime() },
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Per contender and size: median ops/s and median ratio to its operation's baseline measured beside it. */
function summarize(samples) {
  const rows = new Map();
  for (const sample of samples) {
    const key = sample.name;
    if (!rows.has(key)) rows.set(key, { name: sample.name, op: sample.op, baseline: sample.baseline, cells: new Map() });
    const cell = rows.get(key).cells.get(sample.size) ?? { ops: [], ratios: [] };
    cell.ops.push(sample.ops);
    cell.ratios.push(sample.ops / sample.baseOps);
    rows.get(key).cells.set(sample.size, cell);
  }
  return [...rows.values()].map((row) => ({
    ...row,
    cells: Object.fromEntries([...row.cells].map(([size, { ops, ratios }]) => [size, { ops: median(ops), ratio: median(ratios) }])),
  }));
}

function table(rows) {
  const lines = [`| operation | contender | ${SIZES.map(label).join(' | ')} |`, `|---|---|${SIZES.map(() => '---:').join('|')}|`];
  for (const row of rows) {
    const cells = SIZES.map((size) => {
      const { ops, ratio } = row.cells[size];
      return `${Math.round(ops).toLocaleString('en')} (${ratio.toFixed(2)}x)`;
    });
    lines.push(`| ${row.op} | ${row.baseline ? `**${row.name}**` : row.name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Our contenders (not a baseline, a control or a by-hand row) of `runtime`'s table whose op is one of `ops`. */
const ourRows = (runtime, ops) =>
  runtime.rows.filter((row) => ops.includes(row.op) && !row.baseline && !/^(by hand|control)/.test(row.name));

/** Issue 27's goals that this run measured, each beside its figures: a `| goal | figure | met |` table, or ''. */
function goalTable(runtimes) {
  const goals = [];
  const goal = (text, figures, least) => {
    if (figures.length > 0) goals.push(`| ${text} | ${figures.map(([what, ratio]) => `${what}: ${ratio.toFixed(2)}x`).join(', ')} | ${figures.every(([, ratio]) => ratio >= least) ? 'yes' : 'no'} |`);
  };
  const cells = (rows, sizes) =>
    rows.flatMap((row) => sizes.filter((size) => row.cells[size] !== undefined).map((size) => [`${label(size)} ${row.name}`, row.cells[size].ratio]));
  const largest = Math.max(...SIZES);
  for (const runtime of runtimes.filter((r) => /^Node /.test(r.runtime))) {
    goal(`${runtime.runtime}: at ${label(largest)}, every typed path at least 0.95x of ${runtime.baseline} + JSON.parse by hand`, cells(ourRows(runtime, ['typed', 'request', 'handler']), [largest]), 0.95);
  }
  for (const runtime of runtimes.filter((r) => r.runtime === 'Bun')) {
    goal('Bun: typed calls at least 0.95x of node:crypto + JSON.parse by hand', cells(ourRows(runtime, ['typed']), SIZES), 0.95);
  }
  for (const runtime of runtimes.filter((r) => r.runtime.startsWith('workerd'))) {
    const chunked = runtime.rows.filter((row) => row.name === 'Webhook.verifyRequest(Request without Content-Length)');
    goal(`${runtime.runtime}: verifyRequest without Content-Length at least 0.9x of the bounded read by hand with it, 1.5 KB and 16 KB`, cells(chunked, [1536, 16384]), 0.9);
  }
  return goals.length === 0 ? '' : `\n| goal (issue 27) | figure | met |\n|---|---|---|\n${goals.join('\n')}\n`;
}

const report = [];
const json = [];
for (const runtime of RUNTIMES.filter((r) => only === undefined || only.includes(r.id))) {
  process.stderr.write(`[runtimes] ${runtime.name}...\n`);
  const rows = summarize(await runtime.run());
  json.push({ runtime: runtime.name, baseline: runtime.best, rows });
  report.push(`#### ${runtime.name}: ratios to ${runtime.best} by hand\n\n${table(rows)}`);
}
const goals = goalTable(json);
const text = `ops/s (ratio to the runtime's hand-written baseline of the same operation, in bold, measured just before or after each row; median of ${ROUNDS} interleaved rounds of ${SLICE_MS} ms, ${WORKERD_ROUNDS} of ${WORKERD_SLICE_MS} ms in workerd)\n\n${report.join('\n\n')}\n${goals}`;
console.log(`\n${text}`);
mkdirSync(RESULTS, { recursive: true });
if (only === undefined && sizesArg === undefined) {
  writeFileSync(new URL('runtimes.md', RESULTS), text);
  writeFileSync(new URL('runtimes.json', RESULTS), `${JSON.stringify({ rounds: ROUNDS, workerdRounds: WORKERD_ROUNDS, sliceMs: SLICE_MS, workerdSliceMs: WORKERD_SLICE_MS, runtimes: json }, null, 2)}\n`);
}
