// The package sources (pkg/src) unbundled, for the suites and scripts that
// reach past the public API: the verify core instantiated from what
// `make build` wrote (pkg/wasm/) and node:crypto as the hash provider, as
// the Node entry (pkg/src/node.js) does from beside its bundle in pkg/dist.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { nodeCryptoProvider, setRuntimeHashProvider } from '../../../pkg/src/core/hash.js';
import { instantiateCore } from '../../../pkg/src/core/wasm.js';

instantiateCore(readFileSync(new URL('../../../pkg/wasm/core_bg.wasm', import.meta.url)));
setRuntimeHashProvider(nodeCryptoProvider(createRequire(import.meta.url)));

export * from '../../../pkg/src/index.js';
