// The matrix peer for Node's CommonJS: the package comes from require(),
// the shared peer logic (an ES module) from a dynamic import.
//   node peer.cjs build|verify   JSON lines on stdin -> JSON lines on stdout
//   node peer.cjs entry          the file require('promptfoo-webhooks') resolved to
const lib = require('promptfoo-webhooks');
const { pathToFileURL } = require('node:url');

const mode = process.argv[2];
if (mode === 'entry') {
  process.stdout.write(`${pathToFileURL(require.resolve('promptfoo-webhooks')).href}\n`);
} else {
  Promise.all([import('./peer-core.mjs'), readStdin()]).then(([{ runPeer }, input]) => process.stdout.write(runPeer(lib, mode, input)));
}

// Streamed, not readFileSync(0): a pipe left non-blocking makes that throw EAGAIN.
async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
