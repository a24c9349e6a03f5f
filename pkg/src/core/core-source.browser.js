// Browsers: the verify core arrives as a module of its own beside the
// bundle, pkg/dist/wasm/core_text.js, a string of one character per byte
// (scripts/byte-text.mjs), read back on the first call that needs the core.
// The path is the bundle's: the build leaves the import as it is, so the
// package ships the module once and an app's bundler inlines it.
import coreText from './wasm/core_text.js';
import { bytesOfText } from './byte-text.js';

export default function loadCore() {
  return bytesOfText(coreText);
}
