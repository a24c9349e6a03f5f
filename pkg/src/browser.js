// Browsers and any other ES runtime: the wasm bytes are inlined in this
// bundle (a string of one character per byte, see core/byte-text.js) and
// compiled synchronously on the first call that needs the core (well under
// Chromium's 8 MB limit for synchronous compilation on the main thread), so
// there is no init call. The synchronous surfaces hash in wasm; the
// asynchronous ones (verifyRequest, the fetch handler, verifySignatureAsync)
// use WebCrypto, native in browsers, from WEBCRYPTO_MIN_BYTES: below, wasm is faster
// (benches/runtimes.mjs --sizes finds the crossing). Node loading this
// build (portable.cjs) keeps to wasm alone: its WebCrypto runs on a thread
// pool and loses to wasm at every size.
import { bytesOfText } from './core/byte-text.js';
import { globalWebCryptoProvider, setRuntimeHashProvider } from './core/hash.js';
import { useCore } from './core/wasm.js';
import coreText from '../wasm/core_text.js';

const WEBCRYPTO_MIN_BYTES = 1024;

useCore(() => bytesOfText(coreText));
setRuntimeHashProvider(undefined, globalThis.process?.versions?.node === undefined ? globalWebCryptoProvider(WEBCRYPTO_MIN_BYTES) : undefined);

export * from './index.js';
