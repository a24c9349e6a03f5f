// The runtimes benchmark in a process runtime (Node, Deno, Bun): every
// contender of contenders.mjs, interleaved, timed in-process. Prints one
// JSON line per measurement for benches/runtimes.mjs.
//
//   <node | deno run -A | bun> benches/runtimes/process.mjs <rounds> <sliceMs> <best> <size>...
import { Buffer } from 'node:buffer';
import * as crypto from 'node:crypto';
import * as pkg from 'promptfoo-webhooks';
import { contenders, opsPerSecond, runBatch } from './contenders.mjs';

const [rounds, sliceMs, best, ...sizes] = process.argv.slice(2);
const now = () => performance.now();

for (const size of sizes.map(Number)) {
  const list = await contenders({ pkg, node: { crypto, Buffer }, subtle: globalThis.crypto.subtle, best, size });
  for (const contender of list) await runBatch(contender, 3); // warm up
  for (let round = 0; round < Number(rounds); round++) {
    // Each round starts with another contender, so none always runs first.
    for (let i = 0; i < list.length; i++) {
      const { name, op, baseline } = list[(i + round) % list.length];
      const ops = await opsPerSecond(list[(i + round) % list.length], Number(sliceMs), now);
      console.log(JSON.stringify({ round, size, name, op, baseline, ops }));
    }
  }
}
