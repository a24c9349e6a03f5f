// Prepared secrets. They are checked here by the contract's secret rule
// (generated/contract.js); the wasm core owns every other rule (limits, the
// signature's form, payload checks) and is instantiated on a key ring's
// first call that needs it. With a hash provider
// (hash.js: node:crypto where the runtime has it), bodies of a provider's
// `minBytes` and more are hashed natively, which beats SHA-256 in wasm
// there and needs no copy into wasm memory.

import { DEFAULT_MAX_BODY_BYTES, ERRORS, SECRET_RULE, SIGNATURE_AS_SENT } from '../generated/contract.js';
import { bytesOf } from './body.js';
import { guarded, invalidArgType, isOwnError, verificationError, webhookError } from './errors.js';
import { runtimeAsyncHashProvider, runtimeHashProvider } from './hash.js';
import { textOf } from '../generated/schema.js';
import {
  checkEventValue,
  createVerifier,
  decodeSignature,
  fitsOnePiece,
  forEachPiece,
  signatureToScratch,
  toScratch,
} from './wasm.js';

// A signature in the form Promptfoo sends it (the contract's
// SIGNATURE_AS_SENT) is compared as text with the hex digests, or decoded
// here, sparing a call into wasm. Any other form (upper case, blanks,
// missing, malformed) is decoded by the core's rules, which also word its
// error. Node's Buffer.from(s, 'hex') is never used on a header: it reads
// only the low byte of each character.

// A rotation needs two or three; a bound keeps a huge (sparse) array from being walked.
const MAX_SECRETS = 64;

const SECRET_TYPES = 'a string or Uint8Array, or an array of them';

/**
 * The secrets as strings and plain Uint8Arrays, read once, with each one's
 * position in what the caller gave (secretIndex reports that position).
 */
function secretList(secret) {
  // An environment variable that is not set reads as undefined: say so, as
  // the receiver is built, rather than blame the type. In a rotation list
  // `[env.NEW, env.OLD]`, an entry not set is left out.
  const list = guarded(
    () => (Array.isArray(secret) ? (secret.length > MAX_SECRETS ? undefined : Array.from(secret)) : [secret]),
    () => invalidArgType('secret', SECRET_TYPES, secret),
  );
  if (list === undefined) throw invalidArgType('secret', `at most ${MAX_SECRETS} secrets`, secret);
  const positions = list.flatMap((s, i) => (s == null ? [] : [i]));
  if (positions.length === 0) throw webhookError('invalid_secret', 'no secret was given');
  return { values: positions.map((i) => secretValue(list[i], Array.isArray(secret) ? `secret[${i}]` : 'secret')), positions };
}

function secretValue(value, name) {
  if (typeof value === 'string') return value;
  const bytes = bytesOf(value);
  if (bytes === undefined) throw invalidArgType(name, 'a string or Uint8Array', value);
  return bytes;
}

/**
 * Throws invalid_secret, worded as the core words it, when `secret` (a
 * string, judged as its UTF-8, or bytes) breaks the contract's secret rule.
 */
function checkSecret(secret) {
  const reason = secretProblem(secret);
  if (reason !== undefined) throw verificationError('invalid_secret', `${ERRORS.invalid_secret.meaning}: ${reason}`);
}

/** The contract's reason for refusing `secret`, or undefined when it is usable. */
function secretProblem(secret) {
  // Whitespace is ASCII: a string's UTF-16 units below 0x80 are its UTF-8 bytes, and no other unit encodes to one.
  const codeAt = typeof secret === 'string' ? (i) => secret.charCodeAt(i) : (i) => secret[i];
  const isSpace = (i) => SECRET_RULE.whitespace.includes(String.fromCharCode(codeAt(i)));
  const length = secret.length;
  if (length === 0) return SECRET_RULE.empty;
  let blank = true;
  for (let i = 0; i < length && blank; i++) blank = isSpace(i);
  if (blank) return SECRET_RULE.onlyWhitespace;
  if (isSpace(0) || isSpace(length - 1)) return SECRET_RULE.padded;
  const bytes = typeof secret === 'string' ? utf8Length(secret) : length;
  return bytes < SECRET_RULE.minBytes ? SECRET_RULE.tooShort : undefined;
}

// The core counts a body limit in a wasm32 usize, so a larger one is this.
const MAX_CORE_LIMIT = 2 ** 32 - 1;

export class KeyRing {
  /** The core's verifier, made on first need from `#secrets` and `#limits`. */
  #core;
  #secrets;
  #limits;
  #provider;
  #nativeKeys;
  /** Bodies this long and longer are hashed by the provider (never, without one). */
  #nativeMinBytes;
  /** Where each prepared secret was in what the caller gave. */
  #positions;
  #limit;
  #window;
  /**
   * The asynchronous provider (WebCrypto), the secrets' bytes it imports,
   * the import under way, and its keys once imported.
   */
  #asyncProvider;
  /** Bodies this long and longer go to the asynchronous provider. */
  #asyncMinBytes;
  #secretBytes;
  #importing;
  #asyncKeys;
  /**
   * Verifications in flight that hold these keys (hold/release), and
   * whether free() was called: a cache that evicts a key ring frees it,
   * and the wasm memory goes once the last holder has released it.
   */
  #holders = 0;
  #retired = false;

  /**
   * @param secret one secret or several (checked by the contract's secret rule)
   * @param {{ maxBodyBytes?: number, toleranceSeconds?: number }} limits checked whole numbers, or undefined for the defaults
   * @param provider a hash provider (hash.js); by default the runtime's, and `null` for the wasm HMAC alone
   * @param asyncProvider an asynchronous provider (hash.js) for the asynchronous surfaces; by default the
   *   runtime's, and `null` to have them use the synchronous path
   */
  constructor(secret, { maxBodyBytes, toleranceSeconds } = {}, provider = runtimeHashProvider(), asyncProvider = runtimeAsyncHashProvider()) {
    const { values: secrets, positions } = secretList(secret);
    for (const s of secrets) checkSecret(s);
    // Copied: the core reads them later, whatever the caller does with its bytes meanwhile.
    this.#secrets = secrets.map((s) => (typeof s === 'string' ? s : s.slice()));
    this.#limits = { maxBodyBytes, toleranceSeconds };
    this.#limit = Math.min(maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, MAX_CORE_LIMIT);
    this.#window = toleranceSeconds != null;
    // Only secrets the rule accepted reach the provider.
    this.#provider = provider ?? undefined;
    this.#nativeKeys = this.#provider && secrets.map((s) => this.#provider.prepare(s));
    this.#nativeMinBytes = this.#provider ? this.#provider.minBytes : Infinity;
    this.#positions = positions;
    this.#asyncProvider = asyncProvider ?? undefined;
    this.#asyncMinBytes = this.#asyncProvider?.minBytes ?? 0;
    // Imported on first use: a key ring only the synchronous surfaces use never imports.
    this.#secretBytes = this.#asyncProvider && this.#secrets.map((s) => (typeof s === 'string' ? utf8.encode(s) : s));
  }

  /** The core's verifier for these keys, made on first need (none once freed). */
  #verifier() {
    if (this.#core !== undefined || this.#secrets === undefined) return this.#core;
    const core = createVerifier(this.#limits.maxBodyBytes, this.#limits.toleranceSeconds);
    try {
      for (const s of this.#secrets) {
        if (typeof s === 'string') core.add_secret_text(s);
        else core.add_secret_bytes(s);
      }
      core.check_ready();
    } catch (error) {
      core.free();
      throw error;
    }
    this.#core = core;
    return core;
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
      this.#verifier().check_body_size(size);
      return undefined;
    } catch (error) {
      return error;
    }
  }

  /** Size, signature form and HMAC: the position of the matching secret in what the caller gave, or throws. */
  signatureIndex(raw, signature) {
    return this.#positions[this.#matchingKey(raw, signature)];
  }

  /**
   * signatureIndex for the asynchronous surfaces, with the same checks,
   * order and errors: the position when the synchronous path answers, else
   * a promise of it from the asynchronous provider (WebCrypto). A number is
   * returned as is so that a caller awaits only when the provider works.
   */
  asyncSignatureIndex(raw, signature) {
    if (!this.#hashAsynchronously(raw)) return this.signatureIndex(raw, signature);
    this.#checkSize(raw);
    // A missing or malformed header fails before any hashing, with the core's error.
    const positions = this.#positions;
    return this.#verdicts(raw, signatureBytes(signature)).then((verdicts) => {
      const index = matchIn(verdicts);
      if (index < 0) throw webhookError('signature_mismatch');
      return positions[index];
    });
  }

  /** `matches` for the asynchronous surfaces (see asyncSignatureIndex). */
  async matchesAsync(raw, signature) {
    if (!this.#hashAsynchronously(raw)) return this.matches(raw, signature);
    this.#checkSize(raw);
    const expected = quietSignatureBytes(signature);
    if (expected === undefined) return false;
    return matchIn(await this.#verdicts(raw, expected)) >= 0;
  }

  /** The asynchronous provider's verdicts on `expected` for `raw`, its keys imported first if need be. */
  #verdicts(raw, expected) {
    // Held here: a key ring freed (a cache evicting it) while this awaits still finishes this call.
    const provider = this.#asyncProvider;
    const keys = this.#asyncKeys;
    if (keys !== undefined) return verdicts(provider, keys, raw, expected);
    return this.#importKeys().then((imported) => verdicts(provider, imported, raw, expected));
  }

  /** The asynchronous provider's keys, imported once (an import under way is shared). */
  async #importKeys() {
    const provider = this.#asyncProvider;
    this.#importing ??= Promise.all(this.#secretBytes.map((s) => provider.importKey(s)));
    const keys = await this.#importing;
    if (this.#asyncProvider === provider) this.#asyncKeys = keys; // not when freed meanwhile
    return keys;
  }

  /** The index of the matching prepared key, or throws. */
  #matchingKey(raw, signature) {
    this.#checkSize(raw);
    if (this.#hashNatively(raw)) {
      const index = this.#nativeMatch(raw, signature);
      if (index < 0) throw webhookError('signature_mismatch');
      return index;
    }
    if (fitsOnePiece(raw)) {
      const { bodyLength, signatureLength } = toScratch(raw, signature);
      return this.#verifier().check_signature_scratch(bodyLength, signatureLength, false);
    }
    return this.#streamedIndex(raw, signature);
  }

  /** signatureIndex for a body longer than a piece: hashed in pieces. */
  #streamedIndex(raw, signature) {
    const core = this.#verifier();
    decodeSignature(signature ?? undefined); // a missing or malformed header fails before any hashing
    core.begin_body();
    forEachPiece(raw, (length) => core.update_body_scratch(length));
    return core.finish_signature_scratch(signatureToScratch(signature));
  }

  /**
   * Checks a parsed payload against the schema and the replay window;
   * `parsedByCaller` when it is the caller's object, not JSON.parse's.
   */
  checkEvent(payload, nowMillis, parsedByCaller) {
    // The timestamp first (a caller's getter may run): nothing runs between gathering and judging.
    const timestamp = this.#window ? textOf(payload, 'timestamp') : undefined;
    checkEventValue(payload, parsedByCaller);
    if (this.#window) this.#verifier().check_window(timestamp, nowMillis);
  }

  /**
   * `true` when `signature` (a string) signs `raw`; never throws for a bad
   * signature, and refuses one without an exception (an attacker's junk must
   * cost no more than a good delivery). A body over the limit still throws.
   */
  matches(raw, signature) {
    this.#checkSize(raw);
    if (this.#hashNatively(raw)) return this.#nativeMatch(raw, signature, true) >= 0;
    if (fitsOnePiece(raw)) {
      const { bodyLength, signatureLength } = toScratch(raw, signature);
      return this.#verifier().check_signature_scratch(bodyLength, signatureLength, true) >= 0;
    }
    try {
      this.#streamedIndex(raw, signature);
      return true;
    } catch (error) {
      // missing_signature, malformed_signature, signature_mismatch: a bad signature is an answer here.
      if (isOwnError(error) && /signature/.test(error.code)) return false;
      throw error;
    }
  }

  /** Lower-case hex signature with the first secret. */
  sign(raw) {
    if (this.#hashNatively(raw)) return this.#provider.hex(this.#nativeKeys[0], raw);
    const core = this.#verifier();
    core.begin_body();
    forEachPiece(raw, (length) => core.update_body_scratch(length));
    return core.finish_sign();
  }

  /**
   * The name of a delivery for de-duplication: the 32 bytes the signature
   * decodes to, as lower-case hex, so every spelling of one signature (case,
   * blanks) is one key. Call it after the delivery verified.
   */
  deliveryKey(signature) {
    return deliveryKeyOf(signature);
  }

  /**
   * Keeps the keys usable until release(), whatever frees them meanwhile:
   * an asynchronous verification holds its keys across its awaits (the
   * body, WebCrypto, a store). Returns the key ring.
   */
  hold() {
    this.#holders++;
    return this;
  }

  /** Ends a hold(); keys already freed are destroyed with the last one. */
  release() {
    this.#holders--;
    if (this.#holders === 0 && this.#retired) this.#destroy();
  }

  /** Frees the keys' wasm memory: now, or when the last hold() is released. */
  free() {
    this.#retired = true;
    if (this.#holders === 0) this.#destroy();
  }

  #destroy() {
    this.#core?.free();
    this.#core = undefined;
    this.#secrets = undefined;
    this.#nativeKeys = undefined;
    this.#nativeMinBytes = Infinity;
    this.#asyncProvider = undefined;
    this.#secretBytes = undefined;
    this.#importing = undefined;
    this.#asyncKeys = undefined;
  }

  /** Refuses a body over the limit before it is hashed or copied. */
  #checkSize(raw) {
    // A string's UTF-8 length is between one and three bytes per UTF-16
    // unit: most bodies are judged by their length alone.
    const length = raw.length;
    const bound = typeof raw === 'string' ? length * 3 : length;
    if (bound <= this.#limit) return;
    const size = typeof raw === 'string' ? utf8Length(raw) : length;
    const tooLarge = this.sizeError(size);
    if (tooLarge) throw tooLarge;
  }

  #hashAsynchronously(raw) {
    // A string's UTF-16 length is a lower bound of its UTF-8 length.
    return this.#asyncProvider !== undefined && raw.length >= this.#asyncMinBytes;
  }

  #hashNatively(raw) {
    // A string's UTF-16 length is a lower bound of its UTF-8 length.
    return raw.length >= this.#nativeMinBytes;
  }

  /**
   * The index of the secret whose HMAC `signature` is, or -1. Every key is
   * tried, so the time taken does not say which one matched. A missing or
   * malformed signature throws the core's error, or with `quiet` is -1.
   */
  #nativeMatch(raw, signature, quiet = false) {
    const digests = this.#digests(raw);
    // The header is compared as text with the lower-case hex digests: equal
    // to one, it is that digest; in the form as sent and equal to none, a
    // mismatch. Any other form is decoded by the core's rules, which also
    // give its error.
    if (typeof signature === 'string') {
      const found = indexIn(digests, signature);
      if (found >= 0 || SIGNATURE_AS_SENT.test(signature)) return found;
    }
    const expected = quiet ? decodedHex(signature) : hexOf(decodeSignature(signature ?? undefined));
    return expected === undefined ? -1 : indexIn(digests, expected);
  }

  /** The provider's lower-case hex digest of `raw` with each key. */
  #digests(raw) {
    return this.#nativeKeys.map((key) => this.#provider.hex(key, raw));
  }
}

/** KeyRing#deliveryKey, for callers without a key ring (an inbox's dedupe key). */
export function deliveryKeyOf(signature) {
  if (SIGNATURE_AS_SENT.test(signature)) return signature;
  return hexOf(decodeSignature(signature));
}

/**
 * Whether `expected` (32 bytes) is each key's HMAC of `raw`, by an
 * asynchronous provider: a promise of one verdict, or of one per key.
 * Every key is tried, so the time taken does not say which one matched.
 */
function verdicts(provider, keys, raw, expected) {
  const body = typeof raw === 'string' ? utf8.encode(raw) : raw;
  if (keys.length === 1) return provider.verify(keys[0], expected, body);
  return Promise.all(keys.map((key) => provider.verify(key, expected, body)));
}

/** The index of the matching key from `verdicts`' answer, or -1. */
function matchIn(verdicts) {
  if (Array.isArray(verdicts)) return verdicts.indexOf(true);
  return verdicts === true ? 0 : -1;
}

/** The index of the digest equal to `hex`, or -1; every digest is compared, in constant time each. */
function indexIn(digests, hex) {
  let found = -1;
  for (let index = 0; index < digests.length; index++) {
    if (sameText(digests[index], hex) && found < 0) found = index;
  }
  return found;
}

const utf8 = new TextEncoder();

/**
 * The 32 bytes a signature header decodes to, or the core's error for a
 * missing or malformed one. A header as sent is decoded here; any other
 * goes to the core, whose rules accept it or say why not.
 */
function signatureBytes(signature) {
  if (typeof signature !== 'string' || !SIGNATURE_AS_SENT.test(signature)) return decodeSignature(signature ?? undefined);
  const bytes = new Uint8Array(signature.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (hexValue(signature.charCodeAt(2 * i)) << 4) | hexValue(signature.charCodeAt(2 * i + 1));
  return bytes;
}

/** A lower-case hex digit's value (the caller has checked the form). */
function hexValue(code) {
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

/** signatureBytes, or undefined when the signature is missing or malformed. */
function quietSignatureBytes(signature) {
  try {
    return signatureBytes(signature);
  } catch (error) {
    if (isOwnError(error)) return undefined;
    throw error;
  }
}

/** The lower-case hex of the bytes `signature` decodes to by the core's rules, or undefined when it is malformed. */
function decodedHex(signature) {
  const bytes = quietSignatureBytes(signature);
  return bytes && hexOf(bytes);
}

/** Equal strings of the same length, in a time that does not depend on where they differ. */
function sameText(a, b) {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

const HEX_DIGITS = '0123456789abcdef';

function hexOf(bytes) {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX_DIGITS[bytes[i] >> 4] + HEX_DIGITS[bytes[i] & 15];
  return hex;
}

/** The UTF-8 length of a string, a lone surrogate counted as U+FFFD (3 bytes), as TextEncoder writes it. */
function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
