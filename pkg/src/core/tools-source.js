// Where the tools module (canonicalize, change events, config checks,
// secrets) comes from on its first use. This file serves Node (and Deno and
// Bun through it): the wasm file beside the bundle, read when needed (the
// path is the bundle's: pkg/dist/wasm/). The Workers and browser builds put
// tools-source.workerd.js and tools-source.browser.js in its place
// (scripts/build-pkg.mjs).
import { createRequire } from 'node:module';

export default function loadTools() {
  const builtin = globalThis.process?.getBuiltinModule ?? createRequire(import.meta.url);
  return builtin('node:fs').readFileSync(new URL('./wasm/tools_bg.wasm', import.meta.url));
}
