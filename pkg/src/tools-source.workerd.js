// Workers: the tools module arrives precompiled through a .wasm import, as
// the verify core does (see workerd.js); it is instantiated on first use.
import toolsModule from './wasm/tools_bg.wasm';

export default function loadTools() {
  return toolsModule;
}
