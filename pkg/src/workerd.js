// Cloudflare Workers (workerd): Workers may not compile wasm from bytes at
// run time, so the module arrives precompiled through a .wasm import, which
// wrangler and workerd resolve as a CompiledWasm module; it is instantiated
// on the first call that needs it (core/wasm.js). With the
// nodejs_compat flag, process.getBuiltinModule offers node:crypto, which
// hashes larger bodies faster than wasm there too, for the synchronous
// surfaces. The asynchronous ones (verifyRequest, the fetch handler,
// verifySignatureAsync) use WebCrypto from WEBCRYPTO_MIN_BYTES: native in
// workerd and resolved at once, it beats both there; below, the wasm HMAC's
// prepared state is faster (benches/runtimes.mjs --sizes finds the crossing).
import { builtinHashProvider, globalWebCryptoProvider, setRuntimeHashProvider } from './core/hash.js';
import { useCore } from './core/wasm.js';
import wasmModule from './wasm/core_bg.wasm';

const WEBCRYPTO_MIN_BYTES = 512;

useCore(() => wasmModule);
setRuntimeHashProvider(builtinHashProvider(), globalWebCryptoProvider(WEBCRYPTO_MIN_BYTES));

export * from './index.js';
