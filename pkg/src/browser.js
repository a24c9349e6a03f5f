// Browsers and any other ES runtime: the wasm bytes are inlined in this
// bundle and compiled synchronously (well under Chromium's 8 MB limit for
// synchronous compilation on the main thread), so there is no init call.
import wasmBytes from './wasm/core_bg.wasm';
import { initSync } from './wasm/core.js';

initSync({ module: wasmBytes });

export * from './api.js';
