// Browsers and any other ES runtime: the wasm bytes are inlined in this
// bundle (a string of one character per byte, see byte-text.js) and
// compiled synchronously (well under Chromium's 8 MB limit for synchronous
// compilation on the main thread), so there is no init call.
import coreText from './wasm/core_text.js';
import { bytesOfText } from './byte-text.js';
import { initSync } from './wasm/core.js';

initSync({ module: bytesOfText(coreText) });

export * from './api.js';
