// Cold start: a fresh `node` process that imports the package and verifies
// one 1.5 KB delivery (typed), against a fresh empty `node` and against
// peers doing the same. Median of interleaved rounds; the figure is the
// difference, printed beside its goal (issue 27): at most GOAL_MS over
// empty node, ahead of Octokit, and within about twice node:crypto by hand.
// The goal is the receiving entry's, `promptfoo-webhooks/verify`, the one
// a handler that only receives imports; the whole API is measured beside it.
//
//   node benches/coldstart.mjs [--quick] [--dist <pkg>/dist]
//
// --dist measures another build of the package in its place (an
// experiment, or an older release): its node.js, and its verify.js when it has one.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 7 : 15;
const distArg = process.argv.indexOf('--dist');
const DIST = distArg < 0 ? undefined : new URL(`${process.argv[distArg + 1]}/`, `file://${process.cwd()}/`);
const WHOLE = DIST === undefined ? 'promptfoo-webhooks' : new URL('node.js', DIST).href;
const RECEIVING = DIST === undefined ? 'promptfoo-webhooks/verify' : new URL('verify.js', DIST).href;
const hasReceiving = DIST === undefined || existsSync(new URL('verify.js', DIST));
const GOAL_MS = 8;
const RESULTS = new URL('./results/', import.meta.url);
const cwd = new URL('..', import.meta.url).pathname;

// The package as an install has it: a real folder in node_modules. The
// workspace's node_modules/promptfoo-webhooks is a symlink to pkg/, which
// Node's loader resolves to its real path at a cost of its own (about 2 ms
// of a cold start here) that no installed package, ours or a peer's, pays.
const installed = mkdtempSync(join(tmpdir(), 'pfw-coldstart-'));
const installedPackage = join(installed, 'node_modules', 'promptfoo-webhooks');
mkdirSync(installedPackage, { recursive: true });
for (const name of ['package.json', 'dist']) cpSync(new URL(`../pkg/${name}`, import.meta.url), join(installedPackage, name), { recursive: true });
process.on('exit', () => rmSync(installed, { recursive: true, force: true }));

const SECRET = 'whsec-bench-0123456789abcdef';
/** An issue.created of about `size` bytes. */
const delivery = (size) => {
  const text = JSON.stringify({ event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'i-1', weakness: '' }, eventData: {} } });
  return text.replace('"weakness":""', `"weakness":"${'w'.repeat(Math.max(0, size - text.length))}"`);
};
const BODY = delivery(1500);
const SMALL = delivery(256);
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');
// Signatures are made here, so no script loads node:crypto unless it verifies with it.
const setup = `const SECRET=${JSON.stringify(SECRET)}, BODY=${JSON.stringify(BODY)}, SIG=${JSON.stringify(hmac(BODY))};
const SMALL=${JSON.stringify(SMALL)}, SMALL_SIG=${JSON.stringify(hmac(SMALL))};`;

const scripts = {
  'empty node': '',
  'node:crypto (hand-written)': `${setup}
const { createHmac, timingSafeEqual } = await import('node:crypto');
if (!timingSafeEqual(createHmac('sha256', SECRET).update(BODY).digest(), Buffer.from(SIG, 'hex'))) throw 1;`,
  ...(hasReceiving && {
    'promptfoo-webhooks/verify': `${setup}
const { verify } = await import(${JSON.stringify(RECEIVING)});
if (verify(BODY, SIG, SECRET).event !== 'issue.created') throw 1;`,
  }),
  'promptfoo-webhooks (whole API)': `${setup}
const { verify } = await import(${JSON.stringify(WHOLE)});
if (verify(BODY, SIG, SECRET).event !== 'issue.created') throw 1;`,
  // A first body under node:crypto's threshold (core/hash.js) is hashed by the wasm core.
  'promptfoo-webhooks/verify, first body 256 B': `${setup}
const { verify } = await import(${JSON.stringify(hasReceiving ? RECEIVING : WHOLE)});
if (verify(SMALL, SMALL_SIG, SECRET).event !== 'issue.created') throw 1;`,
  svix: `${setup}
const { Webhook } = await import('svix');
const w = new Webhook('whsec_' + Buffer.from(SECRET).toString('base64'));
const now = new Date(); const h = { 'svix-id': 'm', 'svix-timestamp': String(Math.floor(now / 1000)), 'svix-signature': w.sign('m', now, BODY) };
w.verify(BODY, h);`,
  '@octokit/webhooks-methods': `${setup}
const { verify } = await import('@octokit/webhooks-methods');
if (!(await verify(SECRET, BODY, 'sha256=' + SIG))) throw 1;`,
  stripe: `${setup}
const Stripe = (await import('stripe')).default;
const s = new Stripe('sk_test_x'); const header = s.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET });
s.webhooks.constructEvent(BODY, header, SECRET);`,
};

/** The folder a script runs in: our package's rows in the install, the others in the repository (their packages' real folders). */
const cwdOf = (name) => (DIST === undefined && name.startsWith('promptfoo-webhooks') ? installed : cwd);

function runOnce(source, where) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], { cwd: where, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`cold start script failed: ${result.stderr}`);
  return ms;
}

const names = Object.keys(scripts);
const times = Object.fromEntries(names.map((n) => [n, []]));
for (let run = 0; run < RUNS; run++) {
  for (const name of run % 2 ? [...names].reverse() : names) times[name].push(runOnce(scripts[name], cwdOf(name)));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['empty node']);
const over = (name) => median(times[name]) - base;
const lines = ['| process | median wall time | over empty node |', '|---|---:|---:|'];
for (const name of names) lines.push(`| ${name} | ${median(times[name]).toFixed(1)} ms | ${over(name).toFixed(1)} ms |`);
const table = lines.join('\n');
console.log(`\nCold start: import + first typed verify of a 1.5 KB delivery in a fresh process (median of ${RUNS})\n\n${table}`);

// The goals, each beside its figure.
const GOAL_ROW = hasReceiving ? 'promptfoo-webhooks/verify' : 'promptfoo-webhooks (whole API)';
const ours = over(GOAL_ROW);
const goals = [
  [`at most ${GOAL_MS} ms over empty node`, `${ours.toFixed(1)} ms`, ours <= GOAL_MS],
  ['ahead of @octokit/webhooks-methods', `${ours.toFixed(1)} ms against ${over('@octokit/webhooks-methods').toFixed(1)} ms`, ours < over('@octokit/webhooks-methods')],
  ['within about 2x of node:crypto by hand', `${(ours / over('node:crypto (hand-written)')).toFixed(1)}x`, ours <= 2 * over('node:crypto (hand-written)')],
];
const goalTable = `| goal (${GOAL_ROW}) | figure | met |\n|---|---:|---|\n${goals.map(([goal, figure, met]) => `| ${goal} | ${figure} | ${met ? 'yes' : 'no'} |`).join('\n')}`;
console.log(`\n${goalTable}`);
// An experiment's figures (--dist) are printed only: the results are this checkout's.
if (DIST === undefined) {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(new URL('coldstart.md', RESULTS), `${table}\n\n${goalTable}\n`);
  const medians = Object.fromEntries(names.map((n) => [n, median(times[n])]));
  writeFileSync(new URL('coldstart.json', RESULTS), JSON.stringify({ node: process.version, runs: RUNS, goalMs: GOAL_MS, medians }, null, 2) + '\n');
}
