// Node (also Deno and Bun through their Node compatibility): the whole API.
// node-verify.js is the same receiving surface without the rest, for a
// process that only receives and should start as fast as it can; both set
// the runtime up alike (node-runtime.js), and the build gives them one
// shared copy of what they have in common, so their classes are the same.
import { useNodeRuntime } from './node-runtime.js';

useNodeRuntime();

export * from './index.js';
