// Node (also Deno and Bun through their Node compatibility): the wasm file
// is read synchronously beside this bundle, so importing is all it takes.
import { readFileSync } from 'node:fs';
import { wasm } from './core.js';

wasm.initSync({ module: readFileSync(new URL('./wasm/core_bg.wasm', import.meta.url)) });

export * from './api.js';
