// What both Node entries (node.js, the whole API; node-verify.js, the
// receiving surface) set up at import. Node (also Deno and Bun through
// their Node compatibility): the wasm file is read synchronously beside
// the bundle, on the first call that needs the core (core/wasm.js), so
// importing costs no wasm compilation. Bodies past a size (core/hash.js)
// are hashed by node:crypto, which beats SHA-256 in wasm there; every rule
// still runs in the core or in code generated from its contract (see core/keyring.js).
import { readCore } from './core/core-source.js';
import { nodeCryptoProvider, setRuntimeHashProvider } from './core/hash.js';
import { useCore } from './core/wasm.js';

/**
 * Hands the core's loader and node:crypto to the package. `builtin(name)`
 * loads a Node builtin on first need: an ESM import of node:fs would
 * build its whole namespace (streams included) at startup.
 */
export function useNodeRuntime(builtin) {
  useCore(() => readCore(builtin));
  setRuntimeHashProvider(nodeCryptoProvider(builtin));
}
