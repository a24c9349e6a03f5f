// Where the verify core comes from on its first need, for the portable
// build (portable.cjs, the wasm-only build for require()): the wasm file
// beside the bundle, read when needed (the path is the bundle's:
// pkg/dist/wasm/). The browser build puts core-source.browser.js in its
// place (scripts/build-pkg.mjs), as it does for tools-source.js.
import { createRequire } from 'node:module';

export default function loadCore() {
  const builtin = globalThis.process?.getBuiltinModule ?? createRequire(import.meta.url);
  return builtin('node:fs').readFileSync(new URL('./wasm/core_bg.wasm', import.meta.url));
}
