// Node (also Deno and Bun through their Node compatibility): the wasm file
// is read synchronously beside this bundle, so importing is all it takes.
// Bodies are hashed by node:crypto, which beats SHA-256 in wasm; every rule
// still runs in the core (see keyring.js).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { wasm } from './core.js';
import { useNativeHmac } from './keyring.js';

wasm.initSync({ module: readFileSync(new URL('./wasm/core_bg.wasm', import.meta.url)) });

useNativeHmac({
  // A private Buffer copy: createHmac sets up fastest from bytes (faster than
  // from a KeyObject or a string, benches/verify.mjs).
  prepare: (secret) => Buffer.from(secret),
  digest: (key, body) => createHmac('sha256', key).update(body).digest(),
  hex: (key, body) => createHmac('sha256', key).update(body).digest('hex'),
  equal: timingSafeEqual,
  byteLength: (text) => Buffer.byteLength(text, 'utf8'),
  fromHex: (hex) => Buffer.from(hex, 'hex'),
});

export * from './api.js';
