// Cloudflare Workers (workerd): Workers may not compile wasm from bytes at
// run time, so the module arrives precompiled through a .wasm import, which
// wrangler and workerd resolve as a CompiledWasm module. With the
// nodejs_compat flag, process.getBuiltinModule offers node:crypto, which
// hashes larger bodies faster than wasm there too, for the synchronous
// surfaces. The asynchronous ones (verifyRequest, the fetch handler,
// verifySignatureAsync) use WebCrypto: native in workerd and resolved at
// once, it beats both at every size (benches/runtimes.mjs).
import { builtinHashProvider, globalWebCryptoProvider, setRuntimeHashProvider } from './core/hash.js';
import { instantiateCore } from './core/wasm.js';
import wasmModule from './wasm/core_bg.wasm';

instantiateCore(wasmModule);
setRuntimeHashProvider(builtinHashProvider(), globalWebCryptoProvider());

export * from './index.js';
