// Browsers: the tools module is inlined as base64 text and decoded on its
// first use. A string literal is free to drop, so a bundler leaves it out
// of an app that never calls a tool (benches/size.mjs measures that).
import base64 from './wasm/tools_base64.js';

export default function loadTools() {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
