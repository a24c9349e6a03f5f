// The matrix peer for Node's CommonJS: the package comes from require(),
// the shared peer logic (an ES module) from a dynamic import.
//   node peer.cjs build|verify   JSON lines on stdin -> JSON lines on stdout
//   node peer.cjs entry          the file require('promptfoo-webhooks') resolved to
const lib = require('promptfoo-webhooks');
const { readFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');

const mode = process.argv[2];
if (mode === 'entry') {
  process.stdout.write(`${pathToFileURL(require.resolve('promptfoo-webhooks')).href}\n`);
} else {
  import('./peer-core.mjs').then(({ runPeer }) => process.stdout.write(runPeer(lib, mode, readFileSync(0, 'utf8'))));
}
