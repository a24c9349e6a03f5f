// Node (also Deno and Bun through their Node compatibility): the wasm file
// is read synchronously beside this bundle, on the first call that needs
// the core (core/wasm.js), so importing is all it takes and costs no wasm
// compilation. Bodies past a size (core/hash.js) are hashed by node:crypto,
// which beats SHA-256 in wasm there; every rule still runs in the core (see core/keyring.js).
import { createRequire } from 'node:module';
import { nodeCryptoProvider, setRuntimeHashProvider } from './core/hash.js';
import { useCore } from './core/wasm.js';

// Builtins come through getBuiltinModule or require: an ESM import of
// node:fs would build its whole namespace (streams included) at startup.
const builtin = globalThis.process?.getBuiltinModule ?? createRequire(import.meta.url);

useCore(() => builtin('node:fs').readFileSync(new URL('./wasm/core_bg.wasm', import.meta.url)));
setRuntimeHashProvider(nodeCryptoProvider(builtin));

export * from './index.js';
