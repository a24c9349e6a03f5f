// Prepared keys for the plain functions (verify, verifySignature, sign),
// which take a secret per call: string secrets are prepared once and kept.

import { KeyRing } from '../core/keyring.js';

// The last few string secrets, with the body limit and window they were
// prepared for. A short list: comparing a few entries beats building a Map
// key per call.
const KEY_CACHE_SIZE = 8;
const keyCache = [];

/** sign() and verifySignature() take no options: they hash whatever they are given. */
export const UNLIMITED = { maxBodyBytes: Number.MAX_SAFE_INTEGER, toleranceSeconds: undefined };

/**
 * Runs `use(keys)` with prepared keys: cached for a string secret (per body
 * limit and window), freed after for others.
 */
export function withKeyRing(secret, limits, use) {
  if (typeof secret === 'string') return use(cachedKeyRing(secret, limits));
  const keys = new KeyRing(secret, limits);
  try {
    return use(keys);
  } finally {
    keys.free();
  }
}

/** Prepared keys for a string secret, kept for the next call. */
export function cachedKeyRing(secret, { maxBodyBytes, toleranceSeconds }) {
  for (const entry of keyCache) {
    if (entry.secret === secret && entry.maxBodyBytes === maxBodyBytes && entry.toleranceSeconds === toleranceSeconds) {
      return entry.keys;
    }
  }
  const keys = new KeyRing(secret, { maxBodyBytes, toleranceSeconds });
  if (keyCache.length >= KEY_CACHE_SIZE) keyCache.shift().keys.free();
  keyCache.push({ secret, maxBodyBytes, toleranceSeconds, keys });
  return keys;
}
