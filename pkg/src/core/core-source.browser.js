// Browsers: the verify core arrives as a string of one character per byte
// (scripts/byte-text.mjs), inlined in the browser build, and is read back on
// the first call that needs the core. The import names the text's module as
// the build resolves it (pkg/wasm/core_text.js, beside the bindings).
import coreText from './wasm/core_text.js';
import { bytesOfText } from './byte-text.js';

export default function loadCore() {
  return bytesOfText(coreText);
}
