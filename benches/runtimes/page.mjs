// The runtimes benchmark in Chromium: bundled with the package's browser
// build by benches/runtimes.mjs; the page's clock times each slice.
//   window.bench.list(size)                -> [{ name, op, baseline }]
//   window.bench.measure(size, name, ms)   -> operations per second
import * as pkg from 'promptfoo-webhooks';
import { contenders, opsPerSecond, runBatch } from './contenders.mjs';

const bySize = new Map();

async function listFor(size) {
  if (!bySize.has(size)) {
    const list = await contenders({ pkg, node: undefined, subtle: crypto.subtle, best: 'WebCrypto', size });
    for (const contender of list) await runBatch(contender, 3); // warm up
    bySize.set(size, list);
  }
  return bySize.get(size);
}

window.bench = {
  list: async (size) => (await listFor(size)).map(({ name, op, baseline }) => ({ name, op, baseline })),
  measure: async (size, name, sliceMs) => opsPerSecond((await listFor(size)).find((c) => c.name === name), sliceMs, () => performance.now()),
};
