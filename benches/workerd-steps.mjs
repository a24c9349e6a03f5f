// Where the Request path's time goes in workerd: the hand-written path
// (arrayBuffer + subtle.verify + JSON.parse) with verifyRequest's steps
// added one at a time (benches/workerd-steps/worker.mjs), each paired with
// the hand-written path over many rounds. A ratio under 1.00x is what the
// steps up to that row cost; the control row (the hand-written path again)
// shows the noise. Not part of `make bench`: it answers one question.
//
//   node benches/workerd-steps.mjs [--size=1536] [--rounds=301] [--k=250] [--flags=nodejs_compat] [--allocations]
//
// --allocations measures, instead of time, the bytes each step allocates on
// the JS heap per delivery (V8's sampling heap profiler, through workerd's
// inspector): the garbage-collection share of the cost, which does not
// drift from run to run as time does (about 30 s).
//
// Each timed request runs a step K times from a collected heap, after an
// untimed warm-up (benches/runtimes/workerd-client.mjs); the ratio
// of a round is the hand-written path's time over the step's, the two
// measured back to back in alternating order; the table gives the median
// and quartiles of the rounds.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBenchWorker } from './runtimes/workerd-client.mjs';

const ALLOCATIONS = process.argv.includes('--allocations');
if (ALLOCATIONS && typeof WebSocket !== 'function') {
  // Node 20 has a WebSocket (for the inspector) behind a flag.
  const { status } = spawnSync(process.execPath, ['--experimental-websocket', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(status ?? 1);
}

const option = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const SIZE = Number(option('size', 1536));
const ROUNDS = Number(option('rounds', 301));
const K = Number(option('k', 250));
const FLAGS = option('flags', '').split(',').filter(Boolean);

const entry = fileURLToPath(new URL('./workerd-steps/worker.mjs', import.meta.url));
const { get, timed: timedAt, allocated, stop } = await startBenchWorker(entry, FLAGS, { inspect: ALLOCATIONS });
/** Milliseconds for one request running `step` K times (see startBenchWorker). */
const timed = (step) => timedAt(SIZE, step, K);

const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];
const runtime = `workerd${FLAGS.length ? ` (${FLAGS.join(', ')})` : ''}`;

/** Each step paired with the hand-written path over ROUNDS rounds: the median ratio and its quartiles. */
async function timeSteps(hand, steps) {
  console.log(`${runtime}, ${SIZE} B bodies, ${ROUNDS} paired rounds of ${K} deliveries: ratio to "${hand}"\n`);
  console.log('| step | median | quartiles | by hand, µs per delivery |');
  console.log('|---|---:|---:|---:|');
  for (const step of steps) {
    const ratios = [];
    const handTimes = [];
    for (let round = 0; round < ROUNDS; round++) {
      let handMs;
      let stepMs;
      if (round % 2 === 0) {
        handMs = await timed(hand);
        stepMs = await timed(step);
      } else {
        stepMs = await timed(step);
        handMs = await timed(hand);
      }
      ratios.push(handMs / stepMs);
      handTimes.push(handMs);
    }
    const [q1, median, q3] = [0.25, 0.5, 0.75].map((q) => quantile(ratios, q).toFixed(3));
    console.log(`| ${step} | ${median}x | ${q1}-${q3} | ${((quantile(handTimes, 0.5) * 1000) / K).toFixed(1)} |`);
  }
}

/** The JS heap bytes each step allocates per delivery, and how many more than the hand-written path. */
async function measureAllocations(hand, steps) {
  const REQUESTS = 20;
  console.log(`${runtime}, ${SIZE} B bodies: JS heap bytes allocated per delivery, over ${REQUESTS} requests of ${K} deliveries\n`);
  console.log(`| step | bytes per delivery | more than "${hand}" |`);
  console.log('|---|---:|---:|');
  const handBytes = await allocated(SIZE, hand, K, REQUESTS);
  console.log(`| ${hand} | ${handBytes.toFixed(0)} | |`);
  for (const step of steps) {
    const bytes = await allocated(SIZE, step, K, REQUESTS);
    console.log(`| ${step} | ${bytes.toFixed(0)} | ${(bytes - handBytes).toFixed(0)} |`);
  }
}

try {
  const [hand, ...steps] = JSON.parse(await get(`/list?size=${SIZE}`)).map(({ name }) => name);
  for (const step of [hand, ...steps]) for (let i = 0; i < 3; i++) await timed(step); // warm-up
  await (ALLOCATIONS ? measureAllocations(hand, steps) : timeSteps(hand, steps));
} finally {
  await stop();
}
