// Prepared secrets. The wasm core always validates them and owns every rule
// (limits, signature format, payload checks). Where the runtime offers a
// native HMAC (Node's node:crypto, installed by node.js), the body is hashed
// natively: it is several times faster than SHA-256 in wasm and the body
// need not be copied into wasm memory for the signature check.

import { coreError, toScratch } from './core.js';
import { decode_signature, WasmVerifier } from './wasm/core.js';
import { guarded, invalidArgType, isOwnError } from './errors.js';
import { bytesOf } from './body.js';

let nativeHmac;

// Below this many bytes the wasm HMAC with its prepared state beats a
// native one, whose per-call setup dominates small bodies (benches/verify.mjs).
const NATIVE_HMAC_MIN_BYTES = 512;
// The common header shape, 64 hex digits, is decoded without a trip into
// wasm. Anything else (padding, a prefix, bad length) goes to the core for
// the exact error.
const HEX_SIGNATURE_LENGTH = 64;
const SIGNATURE_BYTES = 32;

/**
 * Installs a native HMAC-SHA256: `prepare(secret) -> key`,
 * `hex(key, body) -> string` (lower case), `equal(a, b) -> boolean`
 * (constant time), `byteLength(string) -> number`, `fromHex(string) ->
 * Uint8Array` (stopping at the first pair that is not hex).
 */
export function useNativeHmac(impl) {
  nativeHmac = impl;
}

// A rotation needs two or three; a bound keeps a huge (sparse) array from being walked.
const MAX_SECRETS = 64;

const SECRET_TYPES = 'a string or Uint8Array, or an array of them';

/** The secrets as strings and plain Uint8Arrays, read once. */
function secretList(secret) {
  const isList = guarded(() => Array.isArray(secret), () => invalidArgType('secret', SECRET_TYPES, secret));
  if (!isList) return [secretValue(secret, 'secret')];
  return guarded(
    () => {
      if (secret.length > MAX_SECRETS) throw invalidArgType('secret', `at most ${MAX_SECRETS} secrets`, secret);
      return Array.from(secret, (s, i) => secretValue(s, `secret[${i}]`));
    },
    () => invalidArgType('secret', SECRET_TYPES, secret),
  );
}

function secretValue(value, name) {
  if (typeof value === 'string') return value;
  const bytes = bytesOf(value);
  if (bytes === undefined) throw invalidArgType(name, 'a string or Uint8Array', value);
  return bytes;
}

export class KeyRing {
  #core;
  #nativeKeys;
  #limit;
  #window;

  constructor(secret, maxBodyBytes, toleranceSeconds) {
    const secrets = secretList(secret);
    const core = WasmVerifier.new(maxBodyBytes, toleranceSeconds);
    try {
      for (const s of secrets) {
        if (typeof s === 'string') core.add_secret_text(s);
        else core.add_secret_bytes(s);
      }
      core.check_ready();
    } catch (error) {
      core.free();
      throw error;
    }
    this.#core = core;
    this.#limit = core.body_limit();
    this.#window = core.has_window();
    // Only secrets the core accepted reach the native side.
    this.#nativeKeys = nativeHmac && secrets.map((s) => nativeHmac.prepare(s));
  }

  get bodyLimit() {
    return this.#limit;
  }

  /** Whether payloads are checked against a replay window (which reads the clock). */
  get hasWindow() {
    return this.#window;
  }

  /** The body_too_large error for `size` bytes, or undefined when it fits. */
  sizeError(size) {
    try {
      this.#core.check_body_size(size);
      return undefined;
    } catch (error) {
      return error;
    }
  }

  /** Size, signature format and HMAC: the index of the matching secret, or throws. */
  signatureIndex(raw, signature) {
    const core = this.#core;
    if (!this.#hashNatively(raw)) {
      checkSizeBeforeCopy(core, raw, this.#limit);
      const { bodyLength, signatureLength } = toScratch(raw, signature);
      return core.check_signature_scratch(bodyLength, signatureLength);
    }
    // A string's UTF-8 length is at most three bytes per UTF-16 unit: most
    // bodies are judged by their length alone.
    const bound = typeof raw === 'string' ? raw.length * 3 : raw.byteLength;
    if (bound > this.#limit) {
      const tooLarge = this.sizeError(byteLength(raw));
      if (tooLarge) throw tooLarge;
    }
    const index = this.#nativeMatch(raw, signature);
    if (index < 0) throw coreError('signature_mismatch');
    return index;
  }

  /**
   * Checks a parsed payload against the schema and the replay window;
   * `parsedByCaller` when it is the caller's object, not JSON.parse's.
   */
  checkEvent(payload, nowMillis, parsedByCaller) {
    const core = this.#core;
    core.check_event(payload, nowMillis, parsedByCaller);
  }

  /** `true` when `signature` signs `raw`; never throws for a bad signature. */
  matches(raw, signature) {
    const core = this.#core;
    if (!this.#hashNatively(raw)) {
      checkSizeBeforeCopy(core, raw, this.#limit);
      const { bodyLength, signatureLength } = toScratch(raw, signature);
      return core.signature_matches_scratch(bodyLength, signatureLength);
    }
    try {
      return this.#nativeMatch(raw, signature) >= 0;
    } catch (error) {
      if (isOwnError(error)) return false; // a malformed signature
      throw error;
    }
  }

  /** Lower-case hex signature with the first secret. */
  sign(raw) {
    if (this.#hashNatively(raw)) return nativeHmac.hex(this.#nativeKeys[0], raw);
    const core = this.#core;
    const { bodyLength } = toScratch(raw);
    return core.sign_scratch(bodyLength);
  }

  free() {
    this.#core?.free();
    this.#core = undefined;
    this.#nativeKeys = undefined;
  }

  #hashNatively(raw) {
    // A string's UTF-16 length is a lower bound of its UTF-8 length.
    return this.#nativeKeys !== undefined && (typeof raw === 'string' ? raw.length : raw.byteLength) >= NATIVE_HMAC_MIN_BYTES;
  }

  /**
   * The index of the secret whose HMAC `signature` is, or -1. Every key is
   * tried, so the time taken does not say which one matched. A malformed
   * signature throws the core's error.
   */
  #nativeMatch(raw, signature) {
    // A header of the usual shape is compared as text with the hex digests:
    // decoding it and comparing bytes costs more than hashing a small body.
    // Any other form (upper case, blanks, missing, malformed) is decoded by
    // the core's rules first, which also give its exact error.
    const usual = typeof signature === 'string' && signature.length === HEX_SIGNATURE_LENGTH;
    let expected = usual ? undefined : decodeSignature(signature);
    const digests = this.#nativeKeys.map((key) => nativeHmac.hex(key, raw));
    let found = -1;
    if (usual) {
      for (let index = 0; index < digests.length; index++) {
        if (sameText(digests[index], signature) && found < 0) found = index;
      }
      if (found >= 0) return found;
      expected = decodeSignature(signature);
    }
    for (let index = 0; index < digests.length; index++) {
      if (nativeHmac.equal(nativeHmac.fromHex(digests[index]), expected) && found < 0) found = index;
    }
    return found;
  }
}

/** Equal strings of the same length, in a time that does not depend on where they differ. */
function sameText(a, b) {
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

function decodeSignature(signature) {
  if (typeof signature === 'string' && signature.length === HEX_SIGNATURE_LENGTH) {
    // 32 bytes from 64 characters: every pair was hex.
    const bytes = nativeHmac.fromHex(signature);
    if (bytes.length === SIGNATURE_BYTES) return bytes;
  }
  return decode_signature(signature);
}

function byteLength(raw) {
  return typeof raw === 'string' ? nativeHmac.byteLength(raw) : raw.byteLength;
}

// A string's UTF-8 length is at least its length in UTF-16 units, so a
// string (or bytes) longer than the limit is refused before it is copied
// into wasm memory; the exact size is counted only then.
function checkSizeBeforeCopy(core, raw, limit) {
  if (raw.length <= limit) return;
  core.check_body_size(typeof raw === 'string' ? utf8Length(raw) : raw.length);
}

function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3; // a lone surrogate becomes U+FFFD, 3 bytes
  }
  return bytes;
}

