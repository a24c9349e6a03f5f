// Browsers and any other ES runtime: the wasm bytes are inlined in this
// bundle (a string of one character per byte, see core/byte-text.js) and
// compiled synchronously (well under Chromium's 8 MB limit for synchronous
// compilation on the main thread), so there is no init call. Everything is
// hashed in wasm: WebCrypto's HMAC is asynchronous only.
import { bytesOfText } from './core/byte-text.js';
import { instantiateCore } from './core/wasm.js';
import coreText from './wasm/core_text.js';

instantiateCore(bytesOfText(coreText));

export * from './index.js';
