// Node (also Deno and Bun through their Node compatibility): the whole API.
// node-verify.js is the receiving surface without the rest, for a process
// that only receives and should start as fast as it can. Both set the
// runtime up alike (node-runtime.js).
import { createRequire } from 'node:module';
import { useNodeRuntime } from './node-runtime.js';

// Builtins through getBuiltinModule (Node 20.16 and later, Deno, Bun), or
// on an older Node through require.
useNodeRuntime(globalThis.process?.getBuiltinModule ?? createRequire(import.meta.url));

export * from './index.js';
