// Cold start: a fresh `node` process that imports the package and verifies
// one delivery, against a fresh empty `node` and against peers doing the
// same. Median of many interleaved runs; the figure is the difference.
//
//   node benches/coldstart.mjs [--quick]
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 7 : 21;
const RESULTS = new URL('./results/', import.meta.url);
const cwd = new URL('..', import.meta.url).pathname;

const SECRET = 'whsec-bench-0123456789abcdef';
const BODY = JSON.stringify({ event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'i-1' }, eventData: {} } });
const LARGE = JSON.stringify({ event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'i-1', weakness: 'w'.repeat(16384) }, eventData: {} } });
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');
// Signatures are made here, so no script loads node:crypto unless it verifies with it.
const setup = `const SECRET=${JSON.stringify(SECRET)}, BODY=${JSON.stringify(BODY)}, SIG=${JSON.stringify(hmac(BODY))};
const LARGE=${JSON.stringify(LARGE)}, LARGE_SIG=${JSON.stringify(hmac(LARGE))};`;

const scripts = {
  'empty node': '',
  'node:crypto (hand-written)': `${setup}
const { createHmac, timingSafeEqual } = await import('node:crypto');
if (!timingSafeEqual(createHmac('sha256', SECRET).update(BODY).digest(), Buffer.from(SIG, 'hex'))) throw 1;`,
  'promptfoo-webhooks': `${setup}
const { verify } = await import('promptfoo-webhooks');
if (verify(BODY, SIG, SECRET).event !== 'issue.created') throw 1;`,
  // A first body of 512 B or more also loads node:crypto, as the hand-written code does.
  'promptfoo-webhooks, first body 16 KB': `${setup}
const { verify } = await import('promptfoo-webhooks');
if (verify(LARGE, LARGE_SIG, SECRET).event !== 'issue.created') throw 1;`,
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

function runOnce(source) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], { cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`cold start script failed: ${result.stderr}`);
  return ms;
}

const names = Object.keys(scripts);
const times = Object.fromEntries(names.map((n) => [n, []]));
for (let run = 0; run < RUNS; run++) {
  for (const name of run % 2 ? [...names].reverse() : names) times[name].push(runOnce(scripts[name]));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['empty node']);
const lines = ['| process | median wall time | over empty node |', '|---|---:|---:|'];
for (const name of names) lines.push(`| ${name} | ${median(times[name]).toFixed(1)} ms | ${(median(times[name]) - base).toFixed(1)} ms |`);
const table = lines.join('\n');
console.log(`\nCold start: import + first verify in a fresh process (median of ${RUNS})\n\n${table}`);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(new URL('coldstart.md', RESULTS), table + '\n');
writeFileSync(new URL('coldstart.json', RESULTS), JSON.stringify({ node: process.version, runs: RUNS, medians: Object.fromEntries(names.map((n) => [n, median(times[n])])) }, null, 2) + '\n');
