// Node (also Deno and Bun through their Node compatibility): the whole API.
// node-verify.js is the receiving surface without the rest, for a process
// that only receives and should start as fast as it can. Both set the
// runtime up alike (node-runtime.js).
import { useNodeRuntime } from './node-runtime.js';

useNodeRuntime();

export * from './index.js';
