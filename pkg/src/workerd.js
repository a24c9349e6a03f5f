// Cloudflare Workers (workerd): Workers may not compile wasm from bytes at
// run time, so the module arrives precompiled through a .wasm import, which
// wrangler and workerd resolve as a CompiledWasm module.
import wasmModule from './wasm/core_bg.wasm';
import { initSync } from './wasm/core.js';

initSync({ module: wasmModule });

export * from './api.js';
