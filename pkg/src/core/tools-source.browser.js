// Browsers: the tools module arrives as a module of its own beside the
// bundle, pkg/dist/wasm/tools_text.js, a string of one character per byte,
// read back on its first use. The path is the bundle's (see
// core-source.browser.js); an app that never calls a tool drops the import,
// and the string with it (benches/size.mjs measures that).
import toolsText from './wasm/tools_text.js';
import { bytesOfText } from './byte-text.js';

export default function loadTools() {
  return bytesOfText(toolsText);
}
