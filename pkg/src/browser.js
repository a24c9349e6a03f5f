// Browsers and any other ES runtime: the wasm modules are inlined in this
// bundle as strings of one character per byte (see core/core-source.browser.js),
// so a page without a bundler loads this one file, and compiled
// synchronously on the first call that needs them (well under Chromium's
// 8 MB limit for synchronous compilation on the main thread), so there is
// no init call. The synchronous surfaces hash in wasm; the asynchronous ones
// (verifyRequest, the fetch handler, verifySignatureAsync) use WebCrypto,
// native in browsers, from WEBCRYPTO_MIN_BYTES: below, wasm is faster
// (benches/runtimes.mjs --sizes finds the crossing). The portable build
// (portable.cjs, for require()) bundles this file with the Node sources of
// both modules instead, the .wasm files read when first needed; Node keeps
// to wasm alone there: its WebCrypto runs on a thread pool and loses to
// wasm at every size.
import loadCore from './core/core-source.js';
import { globalWebCryptoProvider, setRuntimeHashProvider } from './core/hash.js';
import { useCore } from './core/wasm.js';

const WEBCRYPTO_MIN_BYTES = 1024;

useCore(loadCore);
setRuntimeHashProvider(undefined, globalThis.process?.versions?.node === undefined ? globalWebCryptoProvider(WEBCRYPTO_MIN_BYTES) : undefined);

export * from './index.js';
