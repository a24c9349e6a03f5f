// Browsers: the tools module is inlined as a string of one character per
// byte and read back on its first use. A string literal is free to drop, so
// a bundler leaves it out of an app that never calls a tool
// (benches/size.mjs measures that).
import toolsText from '../../wasm/tools_text.js';
import { bytesOfText } from './byte-text.js';

export default function loadTools() {
  return bytesOfText(toolsText);
}
