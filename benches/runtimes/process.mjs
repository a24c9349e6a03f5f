// The runtimes benchmark in a process runtime (Node, Deno, Bun): every
// contender of contenders.mjs, paired with its baseline, timed in-process. Prints one
// JSON line per measurement for benches/runtimes.mjs.
//
//   <node | deno run -A | bun> benches/runtimes/process.mjs <rounds> <sliceMs> <best> <size>...
import { Buffer } from 'node:buffer';
import * as crypto from 'node:crypto';
import * as pkg from 'promptfoo-webhooks';
import { contenders, opsPerSecond, pairedRounds, runBatch } from './contenders.mjs';

const [rounds, sliceMs, best, ...sizes] = process.argv.slice(2);
const now = () => performance.now();

for (const size of sizes.map(Number)) {
  const list = await contenders({ pkg, node: { crypto, Buffer }, subtle: globalThis.crypto.subtle, best, size });
  for (const contender of list) await runBatch(contender, 3); // warm up
  for (const sample of await pairedRounds(list, Number(rounds), (c) => opsPerSecond(c, Number(sliceMs), now))) {
    console.log(JSON.stringify({ size, ...sample }));
  }
}
