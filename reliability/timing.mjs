// make timing: does verify's time depend on where a wrong signature differs?
// dudect-style (Reparaz, Balasch, Verbauwhede 2017): two classes of input,
// interleaved at random so drift hits both alike, each call timed; Welch's
// t-statistic on the two timing samples. |t| < 4.5 is no evidence of a leak.
//
//   class A: the right signature with its first hex digit changed
//   class B: the right signature with its last hex digit changed
//
// A naive early-exit comparison returns sooner for A. Two bodies: one of
// 512 B and more, hashed by node:crypto and compared as hex text
// (keyring.js, sameText), and a small one, hashed and compared in wasm
// (hmac + sha2, whose verify_slice compares in constant time). Prints figures only:
// timing is too noisy for a test assertion, but the exit code is non-zero
// when |t| >= 4.5 on every crop (raw and cropped at two percentiles) for
// either body.
import { createHmac, randomInt } from 'node:crypto';
import { Webhook } from '../tests/js/support/sources.mjs';

const SAMPLES = Number(process.env.TIMING_SAMPLES ?? 400_000); // both classes together, per body
const SECRET = 'whsec-timing-0123456789abcdef';
const webhook = new Webhook(SECRET);
const flip = (hex, at) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);

const payload = (weakness) => JSON.stringify({ event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'i-1', weakness }, eventData: {} } });
let leaks = 0;
for (const [path, body] of [['node:crypto', payload('w'.repeat(1000))], ['wasm', payload('w')]]) {
  if (measure(path, body)) leaks++;
}
process.exitCode = leaks === 0 ? 0 : 1;

/** Times both classes on `body`; true when every crop shows a difference. */
function measure(path, body) {
  const right = createHmac('sha256', SECRET).update(body).digest('hex');
  const signatures = [flip(right, 0), flip(right, 63)];
  const timeOne = (signature) => {
    const start = process.hrtime.bigint();
    try {
      webhook.verify(body, signature);
    } catch {
      // signature_mismatch, every time
    }
    return Number(process.hrtime.bigint() - start);
  };
  // Warm up the JIT and the wasm tiers on both classes.
  for (let i = 0; i < 20_000; i++) timeOne(signatures[i & 1]);
  const times = [[], []];
  for (let i = 0; i < SAMPLES; i++) {
    const cls = randomInt(2);
    times[cls].push(timeOne(signatures[cls]));
  }
  // Cropping drops the slow tail (GC pauses, interrupts) above a percentile of all samples.
  const all = [...times[0], ...times[1]].sort((x, y) => x - y);
  const percentile = (p) => all[Math.floor((all.length - 1) * p)];
  console.log(`[timing] ${path}: ${SAMPLES.toLocaleString('en')} interleaved verifications of a ${body.length}-byte body: ${times[0].length.toLocaleString('en')} wrong in the first hex digit (A), ${times[1].length.toLocaleString('en')} in the last (B)`);
  const results = [];
  for (const [label, limit] of [['raw', Infinity], ['cropped at p90', percentile(0.9)], ['cropped at p50', percentile(0.5)]]) {
    const { t, meanA, meanB } = welch(times[0].filter((v) => v <= limit), times[1].filter((v) => v <= limit));
    results.push(t);
    console.log(`[timing] ${path}: ${label.padEnd(15)} mean A ${(meanA / 1000).toFixed(3)} us, mean B ${(meanB / 1000).toFixed(3)} us, Welch t = ${t.toFixed(2)}`);
  }
  const leak = results.every((t) => Math.abs(t) >= 4.5);
  console.log(leak ? `[timing] ${path}: |t| >= 4.5 on every crop: evidence of a timing difference` : `[timing] ${path}: |t| < 4.5: no evidence of a timing leak`);
  return leak;
}

function welch(a, b) {
  const stats = (x) => {
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / (x.length - 1);
    return { mean, variance, n: x.length };
  };
  const [p, q] = [stats(a), stats(b)];
  return { t: (p.mean - q.mean) / Math.sqrt(p.variance / p.n + q.variance / q.n), meanA: p.mean, meanB: q.mean };
}
