// The matrix peer for Node (ESM), Deno and Bun: the same file in all three,
// importing the package the normal npm way.
//   <runtime> peer.mjs build|verify   JSON lines on stdin -> JSON lines on stdout
//   <runtime> peer.mjs entry          the file 'promptfoo-webhooks' resolved to
import * as lib from 'promptfoo-webhooks';
import process from 'node:process';
import { runPeer } from './peer-core.mjs';

const mode = process.argv[2];
if (mode === 'entry') process.stdout.write(`${import.meta.resolve('promptfoo-webhooks')}\n`);
else process.stdout.write(runPeer(lib, mode, await readStdin()));

// Streamed, not readFileSync(0): a pipe left non-blocking makes that throw EAGAIN.
async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
