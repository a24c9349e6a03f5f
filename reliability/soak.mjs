// make soak: memory under a long run, and the peak of one 5 MiB verify.
//
//   node --expose-gc reliability/soak.mjs            1,000,000 mixed verifications; wasm memory and RSS
//   node reliability/soak.mjs --big <ascii|bytes|utf8> [portable]
//                                                one 5 MiB verify in this (fresh) process;
//                                                `portable` hashes in wasm, not node:crypto
//
// Expected: wasm linear memory flat after warm-up, RSS growth under 5 MB;
// a 5 MiB body grows wasm memory by less than 1 MiB (it reaches the core in
// 64 KiB pieces, as wasm memory never shrinks). Prints figures;
// exits non-zero when an expectation fails. It measures the package sources
// in pkg/src (what pkg/dist bundles), which give access to the core's
// linear memory.
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { getHeapSpaceStatistics } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { Webhook, WebhookVerificationError } from '../tests/js/support/sources.mjs';
import { linear_memory } from '../pkg/wasm/core.js';
import { setRuntimeHashProvider } from '../pkg/src/core/hash.js';

const SECRET = 'whsec-soak-0123456789abcdef';
const TOTAL = 1_000_000;
const WARM_UP = 200_000;
const MiB = 1024 * 1024;
const MAX_RSS_GROWTH = 5 * MiB;
const SAMPLE_EVERY = 100_000;
const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');
const mib = (bytes) => `${(bytes / MiB).toFixed(2)} MiB`;
/** Bytes of wasm linear memory the core holds now. */
const memoryBytes = () => linear_memory().buffer.byteLength;

if (process.argv[2] === '--big') bigVerify(process.argv[3], process.argv[4] === 'portable');
else soak();

function soak() {
  const deliveries = mixedDeliveries();
  const webhook = new Webhook(SECRET);
  const counts = { accepted: 0, rejected: 0, wrong: 0 };
  const run = (from, to) => {
    for (let i = from; i < to; i++) {
      const { body, signature, valid } = deliveries[i % deliveries.length];
      let accepted = false;
      try {
        accepted = webhook.verify(body, signature).event !== undefined;
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
      }
      counts[accepted ? 'accepted' : 'rejected']++;
      if (accepted !== valid) counts.wrong++;
    }
  };
  const sample = (label) => {
    globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
    const figures = { wasm: memoryBytes(), rss, young };
    console.log(`${label.padEnd(22)} wasm memory ${mib(figures.wasm).padStart(10)}   RSS ${mib(rss).padStart(10)}   JS heap used ${mib(heapUsed).padStart(9)}   V8 young generation ${mib(young).padStart(9)}`);
    return figures;
  };

  console.log(`[soak] ${TOTAL.toLocaleString('en')} verifications over ${deliveries.length} deliveries (${deliveries.filter((d) => d.valid).length} valid)${globalThis.gc ? '' : ' (run with --expose-gc for steadier RSS)'}`);
  const before = sample('before warm-up');
  run(0, WARM_UP);
  const warm = sample(`after ${WARM_UP.toLocaleString('en')} (warm)`);
  const started = process.hrtime.bigint();
  // RSS moves by several MB either way as V8 and malloc take and return
  // pages: growth is the median of the last samples minus the median of the
  // first ones, which one dip or spike cannot move, not last minus first.
  // V8 also doubles its young generation (8 to 16 MiB) once allocation has
  // run long enough: a sizing step, not memory kept, so it is taken out.
  const samples = [{ at: WARM_UP, ...warm }];
  for (let at = WARM_UP; at < TOTAL; at += SAMPLE_EVERY) {
    run(at, at + SAMPLE_EVERY);
    samples.push({ at: at + SAMPLE_EVERY, ...sample(`after ${(at + SAMPLE_EVERY).toLocaleString('en')}`) });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const end = samples[samples.length - 1];
  webhook.dispose();

  const wasmGrowth = Math.max(...samples.map((s) => s.wasm)) - warm.wasm;
  const edge = Math.max(1, Math.floor(samples.length / 2) - 1); // samples at each end
  const rss = samples.map((s) => s.rss - s.young);
  const rssGrowth = median(rss.slice(-edge)) - median(rss.slice(0, edge));
  const youngGrowth = end.young - warm.young;
  console.log(`[soak] RSS after warm-up: ${mib(warm.rss)}; at the end ${mib(end.rss)}; lowest ${mib(Math.min(...samples.map((s) => s.rss)))}, highest ${mib(Math.max(...samples.map((s) => s.rss)))}`);
  console.log(`[soak] ${counts.accepted.toLocaleString('en')} accepted, ${counts.rejected.toLocaleString('en')} rejected, ${counts.wrong} wrong; ${Math.round((TOTAL - WARM_UP) / seconds).toLocaleString('en')} verifications/s after warm-up`);
  console.log(`[soak] wasm memory growth after warm-up: ${wasmGrowth} bytes (before warm-up ${mib(before.wasm)})`);
  console.log(`[soak] V8 young generation after warm-up: ${mib(warm.young)}; at the end ${mib(end.young)} (${youngGrowth > 0 ? `resized by ${mib(youngGrowth)}` : 'not resized'})`);
  console.log(`[soak] RSS growth after warm-up, less the young generation's size (median of the last ${edge} samples minus median of the first ${edge}): ${mib(rssGrowth)} (limit ${mib(MAX_RSS_GROWTH)})`);

  const failures = [];
  if (counts.wrong !== 0) failures.push(`${counts.wrong} verifications gave the wrong answer`);
  if (wasmGrowth !== 0) failures.push('wasm memory grew after warm-up');
  if (rssGrowth >= MAX_RSS_GROWTH) failures.push('RSS grew by 5 MB or more after warm-up');

  // Each 5 MiB measurement needs a fresh instance: a fresh process.
  const script = fileURLToPath(import.meta.url);
  for (const path of ['node', 'portable']) {
    for (const kind of ['bytes', 'ascii', 'utf8']) {
      const line = execFileSync(process.execPath, [script, '--big', kind, path], { encoding: 'utf8' }).trim();
      console.log(line);
      if (line.includes('FAIL')) failures.push(`5 MiB ${kind} body: ${line}`);
    }
  }
  for (const failure of failures) console.log(`[soak] FAIL: ${failure}`);
  if (failures.length === 0) console.log('[soak] OK');
  process.exitCode = failures.length === 0 ? 0 : 1;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Valid deliveries of several sizes and the ways a delivery goes wrong. */
function mixedDeliveries() {
  const list = [];
  for (const size of [200, 2_000, 20_000]) {
    const payload = { event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: `i-${size}`, weakness: 'w'.repeat(size) }, eventData: {} } };
    const body = JSON.stringify(payload);
    const signature = hmac(body);
    list.push(
      { body, signature, valid: true },
      { body: Buffer.from(body), signature: signature.toUpperCase(), valid: true },
      { body: body.replace('issue.created', 'issue.createD'), signature, valid: false }, // tampered
      { body, signature: hmac(`${body} `), valid: false }, // wrong signature
      { body, signature: `sha256=${signature}`, valid: false }, // malformed
      { body, signature: undefined, valid: false }, // missing
    );
  }
  const notJson = '{"event":';
  const notPayload = '{"event":42}';
  list.push({ body: notJson, signature: hmac(notJson), valid: false }, { body: notPayload, signature: hmac(notPayload), valid: false });
  return list;
}

/** One verify of a body just under 5 MiB in a fresh instance: how much did wasm memory grow? */
function bigVerify(kind, portable) {
  if (portable) setRuntimeHashProvider(undefined); // before any key is prepared: the wasm HMAC alone
  const target = 5 * MiB - 1024;
  const filler = kind === 'utf8' ? 'é' : 'x'; // é: 2 bytes in UTF-8, 1 unit in a JS string
  const text = JSON.stringify({
    event: 'evaluation.completed',
    timestamp: '2025-03-14T12:34:56Z',
    data: { jobId: 'j-1', progress: filler.repeat(Math.floor((target - 100) / Buffer.byteLength(filler))) },
  });
  const size = Buffer.byteLength(text);
  const body = kind === 'bytes' ? Buffer.from(text) : text;
  const signature = hmac(text);
  const webhook = new Webhook(SECRET);
  const before = memoryBytes();
  const event = webhook.verify(body, signature);
  const after = memoryBytes(); // linear memory never shrinks: this is the peak
  const growth = after - before;
  const ratio = growth / size;
  const verdict = event.event === 'evaluation.completed' && growth < MiB ? 'OK' : 'FAIL';
  console.log(
    `[soak] 5 MiB verify, ${portable ? 'wasm HMAC' : 'node:crypto'}, ${kind.padEnd(5)} body of ${mib(size)}: wasm memory ${mib(before)} -> ${mib(after)}, growth ${mib(growth)} = ${ratio.toFixed(2)}x the body: ${verdict}`,
  );
}
