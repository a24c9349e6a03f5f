// The child of tests/js/header-vectors.test.mjs: the header vectors through
// the portable entry as a browser loads it, where its asynchronous surfaces
// verify with WebCrypto. That entry keeps to wasm when it sees Node's
// `process`, so the global is hidden before the package is imported. Prints
// { rows, subtleVerifies } as JSON: how often WebCrypto verified tells the
// test that this path ran.
import { signatureRows, webhookIdRows } from './header-vectors.mjs';

const stdout = process.stdout;
Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });

let subtleVerifies = 0;
const subtleVerify = crypto.subtle.verify.bind(crypto.subtle);
crypto.subtle.verify = (...args) => ((subtleVerifies += 1), subtleVerify(...args));

const api = await import('promptfoo-webhooks/portable');
const rows = [...(await signatureRows(api)), ...(await webhookIdRows(api))];
stdout.write(`${JSON.stringify({ rows, subtleVerifies })}\n`);
