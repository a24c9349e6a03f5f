// Node (also Deno and Bun through their Node compatibility): the wasm file
// is read synchronously beside this bundle, so importing is all it takes.
// Bodies of 512 B and more are hashed by node:crypto, which beats SHA-256 in
// wasm there; every rule still runs in the core (see keyring.js).
import { createRequire } from 'node:module';
import { initSync } from './wasm/core.js';
import { useNativeHmac } from './keyring.js';

// Builtins come through require: an ESM import of node:fs would build its
// whole namespace (streams included), a few ms at startup.
const builtin = globalThis.process?.getBuiltinModule ?? createRequire(import.meta.url);

initSync({ module: builtin('node:fs').readFileSync(new URL('./wasm/core_bg.wasm', import.meta.url)) });

// node:crypto takes about 4 ms to load: it is loaded with the first body
// that needs it, so a process that only ever sees small bodies never pays.
let crypto;
const nodeCrypto = () => (crypto ??= builtin('node:crypto'));

useNativeHmac({
  // A private Buffer copy: createHmac sets up fastest from bytes (faster than
  // from a KeyObject or a string, benches/verify.mjs).
  prepare: (secret) => Buffer.from(secret),
  hex: (key, body) => nodeCrypto().createHmac('sha256', key).update(body).digest('hex'),
  equal: (a, b) => nodeCrypto().timingSafeEqual(a, b),
  byteLength: (text) => Buffer.byteLength(text, 'utf8'),
  fromHex: (hex) => Buffer.from(hex, 'hex'),
});

export * from './api.js';
