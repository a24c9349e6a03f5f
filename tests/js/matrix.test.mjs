// The cross-runtime matrix: every runtime builds and signs the same delivery
// vectors with the library (tests/js/matrix/vectors.mjs), and every runtime
// verifies every delivery from every builder. Runtimes: native Rust (the
// crate, crates/dev-tools/src/bin/matrix_peer.rs), Node ESM, Node CommonJS, Deno, Bun (each
// importing 'promptfoo-webhooks' the normal npm way), workerd (a bundled
// Worker) and headless Chromium (a bundled page). One more verifier has
// no builder: the native Rust HTTP receiver (examples/hyper_receiver.rs),
// to which every delivery is POSTed over 127.0.0.1. One table is printed:
// rows say who built and signed, columns where it was verified.
//
// All peers speak JSON lines: `build` turns vectors into
// `{ name, body, signature }`, `verify` turns deliveries into
// `{ builder, name, outcome: 'accept', event, secretIndex }` or
// `{ builder, name, outcome: 'reject', code }`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launchChromium, watchPage } from './support/chromium.mjs';
import { startStaticServer } from './support/static-server.mjs';
import { bundleWorker, freePort, startWorkerd, workerdConfig } from './support/workerd.mjs';
import { buildRustReceiver, startRustReceiver } from './support/rust-receiver.mjs';
import { STATUS_BY_CODE } from 'promptfoo-webhooks';
import { VECTORS } from './matrix/vectors.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MATRIX = join(ROOT, 'tests/js/matrix');
const PEER_ESM = join(MATRIX, 'peer.mjs');
const PEER_CJS = join(MATRIX, 'peer.cjs');
// Both ship as npm devDependencies; neither needs an install script to run.
const DENO = join(ROOT, 'node_modules/.bin/deno');
const BUN = join(ROOT, 'node_modules/@oven/bun-linux-x64/bin/bun');
// The first Rust run may compile the example.
const PROCESS_TIMEOUT_MS = 180_000;
const PAGE_TIMEOUT_MS = 20_000;

const toLines = (records) => records.map((record) => `${JSON.stringify(record)}\n`).join('');
const fromLines = (text) => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
const packageFile = (path) => relative(ROOT, path.startsWith('file:') ? fileURLToPath(path) : join(ROOT, path));

// ---------------------------------------------------------------- peers

const children = new Set(); // every process this suite started and that is still running

/** Runs `command` with `input` on stdin; resolves to its stdout, rejects with its stderr. */
function runProcess(command, args, input, env = {}) {
  return new Promise((resolve, reject) => {
    // Its own process group: after() can kill it together with what it started (cargo -> the example).
    const options = { cwd: ROOT, env: { ...process.env, ...env }, detached: true, timeout: PROCESS_TIMEOUT_MS, killSignal: 'SIGKILL' };
    const child = spawn(command, args, options);
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => {
      children.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${[command, ...args].join(' ')} exited with ${code ?? signal}\n${stderr}`));
    });
    child.stdin.end(input);
  });
}

function killChildren() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** A peer run as a command: `<command> <args> build|verify|entry`. */
function processPeer(command, args, env) {
  return {
    run: (mode, input) => runProcess(command, [...args, mode], input, env),
    entry: async () => packageFile((await runProcess(command, [...args, 'entry'], '', env)).trim()),
  };
}

let workDir;
let workerd; // { url, stderr(), stop() }
let workerEntry; // the package file the Worker bundle resolved
let server; // the static server for the Chromium page
let browser;
let page;
let pageEntry; // the package file the page bundle resolved
const pageProblems = [];

async function startWorkerPeer() {
  const dir = join(workDir, 'worker');
  const { modules, packageEntry } = await bundleWorker(join(MATRIX, 'worker.mjs'), dir);
  workerEntry = packageEntry;
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), workerdConfig({ port, modules }));
  workerd = await startWorkerd(dir, port);
}

async function startBrowserPeer() {
  const dir = join(workDir, 'page');
  const { metafile } = await build({
    entryPoints: [join(MATRIX, 'browser-peer.mjs')],
    outfile: join(dir, 'peer.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    metafile: true,
    absWorkingDir: ROOT, // metafile paths are relative to the repository
    logLevel: 'warning',
  });
  pageEntry = Object.keys(metafile.inputs).find((input) => /(^|\/)pkg\/dist\/[^/]+\.js$/.test(input));
  copyFileSync(join(MATRIX, 'page.html'), join(dir, 'index.html'));
  server = await startStaticServer(dir);
  browser = await launchChromium();
  page = await browser.newPage();
  watchPage(page, pageProblems);
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  try {
    await page.waitForFunction(() => window.matrixPeer !== undefined, null, { timeout: PAGE_TIMEOUT_MS });
  } catch (error) {
    error.message += `\n${pageProblems.join('\n')}`;
    throw error;
  }
}

async function postToWorker(mode, input) {
  const response = await fetch(new URL(mode, workerd.url), { method: 'POST', body: input });
  const text = await response.text();
  if (!response.ok) throw new Error(`workerd /${mode}: HTTP ${response.status}\n${text}\n${workerd.stderr()}`);
  return text;
}

/** The runtimes, in table order; `expectedEntry`: the package file it must load (none for Rust). */
const RUNTIMES = [
  { name: 'Rust', ...processPeer('cargo', ['run', '--quiet', '-p', 'dev-tools', '--bin', 'matrix_peer', '--']) },
  { name: 'Node ESM', expectedEntry: 'pkg/dist/node.js', ...processPeer(process.execPath, [PEER_ESM]) },
  { name: 'Node CJS', expectedEntry: 'pkg/dist/node.cjs', ...processPeer(process.execPath, [PEER_CJS]) },
  // DENO_NO_UPDATE_CHECK: no look-up of newer Deno releases (no network in tests).
  { name: 'Deno', expectedEntry: 'pkg/dist/node.js', ...processPeer(DENO, ['run', '--allow-read', PEER_ESM], { DENO_NO_UPDATE_CHECK: '1' }) },
  { name: 'Bun', expectedEntry: 'pkg/dist/node.js', ...processPeer(BUN, [PEER_ESM]) },
  { name: 'workerd', expectedEntry: 'pkg/dist/workerd.js', run: postToWorker, entry: async () => workerEntry },
  {
    name: 'Chromium',
    expectedEntry: 'pkg/dist/browser.js',
    run: (mode, input) => page.evaluate(([m, i]) => window.matrixPeer.run(m, i), [mode, input]),
    entry: async () => pageEntry,
  },
];

/**
 * Verifies deliveries by POSTing each to the Rust HTTP receiver; its answers
 * become the same result lines as a peer's. A receiver holds one set of
 * secrets and one clock, so one is started per distinct (secrets, window,
 * clock) of the deliveries: `rotation: signed with the old secret` goes to one
 * holding both secrets, `rotation over` to one holding only the current one,
 * the window vectors to ones whose clock (PROMPTFOO_WEBHOOK_NOW_MS) is the
 * vector's `now`.
 */
async function verifyOverHttp(mode, input) {
  if (mode !== 'verify') throw new Error(`the HTTP receiver only verifies (asked to ${mode})`);
  const groups = new Map(); // config key -> { env, deliveries }
  for (const delivery of fromLines(input)) {
    const { verifyWith, toleranceSeconds, now } = delivery;
    const key = JSON.stringify([verifyWith, toleranceSeconds, now]);
    if (!groups.has(key)) {
      const env = { PROMPTFOO_WEBHOOK_SECRET: verifyWith.join(',') };
      if (toleranceSeconds !== undefined) Object.assign(env, { PROMPTFOO_WEBHOOK_TOLERANCE: String(toleranceSeconds), PROMPTFOO_WEBHOOK_NOW_MS: String(now) });
      groups.set(key, { env, deliveries: [] });
    }
    groups.get(key).deliveries.push(delivery);
  }
  const results = [];
  for (const { env, deliveries } of groups.values()) {
    const receiver = await startRustReceiver(env);
    rustReceivers.add(receiver);
    try {
      for (const delivery of deliveries) results.push(await postDelivery(receiver.url, delivery));
    } finally {
      rustReceivers.delete(receiver);
      await receiver.stop(); // after it, all it printed has been read
    }
    // One log line per delivery, and no secret in any.
    const logged = receiver.lines().filter((line) => line.startsWith('[receiver] POST '));
    if (logged.length !== deliveries.length) throw new Error(`${logged.length} log lines for ${deliveries.length} deliveries`);
    if (receiver.lines().some((line) => env.PROMPTFOO_WEBHOOK_SECRET.split(',').some((secret) => line.includes(secret)))) throw new Error('a secret was logged');
  }
  return toLines(results);
}

/** POSTs one delivery; the answer as a result line (`outcome: 'error'` when status, code and body disagree). */
async function postDelivery(url, { builder, name, body, signature }) {
  const response = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Promptfoo-Signature': signature } });
  const text = await response.text();
  const error = (why) => ({ builder, name, outcome: 'error', message: `HTTP ${response.status} ${text}: ${why}` });
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    return error('not JSON');
  }
  if (response.headers.get('content-type') !== 'application/json') return error('not served as application/json');
  if (response.status === 200) {
    const keys = Object.keys(answer).sort().join(',');
    if (keys !== 'received,secretIndex') return error('expected { received, secretIndex }');
    return { builder, name, outcome: 'accept', event: answer.received, secretIndex: answer.secretIndex };
  }
  if (Object.keys(answer).sort().join(',') !== 'error,message' || typeof answer.message !== 'string' || answer.message === '') return error('expected { error, message }');
  if (STATUS_BY_CODE[answer.error] !== response.status) return error(`the Node receiver answers ${answer.error} with ${STATUS_BY_CODE[answer.error]}`);
  return { builder, name, outcome: 'reject', code: answer.error };
}

const rustReceivers = new Set(); // started by verifyOverHttp and still running

/** Verifiers: every runtime, then the ones that only verify. */
const VERIFIERS = [...RUNTIMES, { name: 'Rust HTTP (hyper)', run: verifyOverHttp }];

// ---------------------------------------------------------------- run

let built; // builder name -> { value: its deliveries } | { error }
let verified; // verifier name -> { value: its results } | { error }

/** Runs `job` for every runtime of `runtimes` at once; each outcome is `{ value }` or `{ error }`. */
async function forEachRuntime(runtimes, job) {
  const settled = await Promise.allSettled(runtimes.map((runtime) => job(runtime)));
  return new Map(runtimes.map((runtime, i) => [runtime.name, settled[i].status === 'fulfilled' ? { value: settled[i].value } : { error: settled[i].reason }]));
}

before(async () => {
  process.on('exit', killChildren);
  workDir = mkdtempSync(join(tmpdir(), 'promptfoo-webhooks-matrix-'));
  // The Rust receiver is built while the Worker and the page start; a build
  // failure shows up as that column's error.
  const receiverBuilt = buildRustReceiver().catch(() => {});
  await Promise.all([startWorkerPeer(), startBrowserPeer(), receiverBuilt]);

  // 1. Every runtime builds and signs every vector.
  const vectorLines = toLines(VECTORS);
  built = await forEachRuntime(RUNTIMES, async (runtime) => fromLines(await runtime.run('build', vectorLines)));

  // 2. Every runtime verifies every delivery of every builder, with the vector's secrets and clock.
  const deliveries = [];
  for (const [builder, { value: signed = [] }] of built) {
    for (const { name, body, signature } of signed) {
      const vector = VECTORS.find((v) => v.name === name);
      if (!vector) continue; // an unknown name shows up as a missing result
      const { verifyWith, toleranceSeconds, now } = vector;
      deliveries.push({ builder, name, body, signature, verifyWith, toleranceSeconds, now });
    }
  }
  const deliveryLines = toLines(deliveries);
  verified = await forEachRuntime(VERIFIERS, async (runtime) => fromLines(await runtime.run('verify', deliveryLines)));
});

after(async () => {
  killChildren();
  await Promise.all([...rustReceivers].map((receiver) => receiver.stop()));
  process.off('exit', killChildren);
  await workerd?.stop();
  await browser?.close();
  await new Promise((resolveClosed) => (server ? server.close(resolveClosed) : resolveClosed()));
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- judge

/** What went wrong with one result, or undefined when it meets the vector's expectation. */
function mismatch(vector, result) {
  const { expect } = vector;
  if (!result) return 'no result';
  if (result.outcome === 'error') return `threw ${result.message.split('\n')[0]}`;
  const got = result.outcome === 'accept' ? `accept ${result.event} #${result.secretIndex}` : `reject ${result.code}`;
  const wanted = expect.expect === 'accept' ? `accept ${expect.event} #${expect.secretIndex}` : `reject ${expect.code}`;
  return got === wanted ? undefined : `got ${got}, expected ${wanted}`;
}

/** One cell: `{ text, problems }`, problems being one line per vector that went wrong. */
function judgeCell(builder, verifier) {
  const building = built.get(builder);
  const verifying = verified.get(verifier);
  if (building.error) return { text: 'build failed', problems: [`${builder} build: ${building.error.message}`] };
  if (verifying.error) return { text: 'verify failed', problems: [`${verifier} verify: ${verifying.error.message}`] };
  const results = verifying.value.filter((r) => r.builder === builder);
  const problems = [];
  for (const vector of VECTORS) {
    const found = results.filter((r) => r.name === vector.name);
    const problem = found.length > 1 ? `${found.length} results` : mismatch(vector, found[0]);
    if (problem) problems.push(`${vector.name}: ${problem}`);
  }
  if (results.length !== VECTORS.length) problems.push(`${results.length} results for ${VECTORS.length} vectors`);
  const good = VECTORS.length - problems.length;
  return { text: problems.length === 0 ? `${good}/${VECTORS.length} ok` : `${Math.max(good, 0)}/${VECTORS.length}, ${problems.length} wrong`, problems };
}

function renderTable(cells) {
  const corner = 'built and signed by \\ verified in';
  const header = [corner, ...VERIFIERS.map((r) => r.name)];
  const rows = RUNTIMES.map((builder) => [builder.name, ...VERIFIERS.map((verifier) => cells.get(builder.name).get(verifier.name).text)]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

test('each JavaScript runtime loads the package through the entry its export conditions pick', async () => {
  for (const runtime of RUNTIMES.filter((r) => r.expectedEntry)) {
    assert.equal(await runtime.entry(), runtime.expectedEntry, runtime.name);
  }
});

test('every builder signs every vector, and all builders produce the same bytes and signatures', () => {
  const failed = [...built].filter(([, outcome]) => outcome.error);
  assert.deepEqual(failed.map(([name, { error }]) => `${name}: ${error.message}`), []);
  const reference = built.get('Node ESM').value;
  assert.deepEqual(reference.map((d) => d.name), VECTORS.map((v) => v.name));
  for (const [builder, { value: deliveries }] of built) {
    assert.deepEqual(deliveries, reference, `${builder} built other deliveries than Node ESM`);
  }
  // The deliveries really are what their vectors say.
  const byName = new Map(reference.map((d) => [d.name, d]));
  assert.match(byName.get('upper-case hex signature').signature, /^[0-9A-F]{64}$/);
  assert.match(byName.get('malformed signature: sha256= prefix').signature, /^sha256=[0-9a-f]{64}$/);
  assert.ok(byName.get('tampered: body changed after signing').body.includes('"severity":"low"'));
  assert.ok(new TextEncoder().encode(byName.get('body over 1 KiB').body).byteLength > 1024);
  assert.ok(/\u2028/.test(byName.get('unicode: accents, CJK, U+2028, U+2029, emoji, escapes').body));
  const duplicateText = byName.get('duplicate keys, signed as text').body;
  assert.equal(duplicateText.match(/"severity"/g).length, 2, 'signed as text: the duplicate stays on the wire');
  assert.equal(byName.get('duplicate keys, parsed and rebuilt').body, JSON.stringify(JSON.parse(duplicateText)));
  const numbers = JSON.parse(byName.get('numbers written as raw JSON text').body).data.progress;
  assert.deepEqual(numbers, { big: 1e21, belowBig: 1e21, tiny: 5e-324, underflow: 0, roundsUp: 5e-324, unsafeInteger: 9007199254740992, negativeZero: 0, overflow: null, scaled: 1, negativeExponent: -0.0125, sum: 0.30000000000000004, micro: 0.000001, belowMicro: 1e-7 });
});

test('every runtime verifies every builder\'s deliveries as each vector expects', () => {
  const cells = new Map(RUNTIMES.map((b) => [b.name, new Map(VERIFIERS.map((v) => [v.name, judgeCell(b.name, v.name)]))]));
  const problems = [...cells].flatMap(([builder, row]) => [...row].flatMap(([verifier, cell]) => cell.problems.map((p) => `${builder} -> ${verifier}: ${p}`)));
  console.log(`\n${VECTORS.length} vectors per cell\n${renderTable(cells)}\n${problems.join('\n')}`);
  assert.deepEqual(problems, []);
  // At least one vector of each kind, so an all-accepting or all-rejecting verifier cannot pass.
  assert.ok(VECTORS.some((v) => v.expect.expect === 'accept') && VECTORS.some((v) => v.expect.expect === 'reject'));
});
