// Cloudflare Workers (workerd): Workers may not compile wasm from bytes at
// run time, so the module arrives precompiled through a .wasm import, which
// wrangler and workerd resolve as a CompiledWasm module. With the
// nodejs_compat flag, process.getBuiltinModule offers node:crypto, which
// hashes larger bodies faster than wasm there too.
import { builtinHashProvider, setRuntimeHashProvider } from './core/hash.js';
import { instantiateCore } from './core/wasm.js';
import wasmModule from './wasm/core_bg.wasm';

instantiateCore(wasmModule);
setRuntimeHashProvider(builtinHashProvider());

export * from './index.js';
