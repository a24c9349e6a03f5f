// What every ReplayStore's `claim(key, ttlSeconds)` takes, checked the same
// way in each store (the Webhook always passes a string and a positive TTL;
// these guard a store called by hand).

import { argumentError } from '../core/errors.js';

/** Throws `code` (a Node-style error code) naming `store` unless `key` is a string and `ttlSeconds` a positive number. */
export function checkClaim(store, key, ttlSeconds, code = 'ERR_INVALID_ARG_TYPE') {
  if (typeof key !== 'string') throw argumentError(code, `${store}: key must be a string`);
  if (!(typeof ttlSeconds === 'number' && ttlSeconds > 0 && Number.isFinite(ttlSeconds))) {
    throw argumentError(code, `${store}: ttlSeconds must be a positive number`);
  }
}
