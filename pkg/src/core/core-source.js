// Where the verify core comes from on its first need, for the portable
// build (portable.cjs, the wasm-only build for require()): the wasm file
// beside the bundle, read when needed (the path is the bundle's:
// pkg/dist/wasm/). The browser build puts core-source.browser.js in its
// place (scripts/build-pkg.mjs), as it does for tools-source.js. The Node
// entries read the same file through readCore, with the builtins they load.
import { createRequire } from 'node:module';

/** The core's wasm file, read with `builtin('node:fs')`. */
export function readCore(builtin) {
  return builtin('node:fs').readFileSync(new URL('./wasm/core_bg.wasm', import.meta.url));
}

export default function loadCore() {
  return readCore(globalThis.process?.getBuiltinModule ?? createRequire(import.meta.url));
}
