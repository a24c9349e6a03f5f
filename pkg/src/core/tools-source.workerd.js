// Workers: the tools module arrives precompiled through a .wasm import, as
// the verify core does (see workerd.js); it is instantiated on first use.
// This file is copied beside the bundle (pkg/dist/), so the path is the
// bundle's, and an app's bundler can drop it when no tool is used.
import toolsModule from './wasm/tools_bg.wasm';

export default function loadTools() {
  return toolsModule;
}
