// Browsers: the tools module arrives as a string of one character per byte,
// inlined in the browser build, and is read back on its first use (the
// import is resolved as in core-source.browser.js). A string literal is free
// to drop, so an app's bundler leaves it out when no tool is called
// (benches/size.mjs measures that).
import toolsText from './wasm/tools_text.js';
import { bytesOfText } from './byte-text.js';

export default function loadTools() {
  return bytesOfText(toolsText);
}
