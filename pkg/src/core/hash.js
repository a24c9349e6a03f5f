// Hash providers: HMAC-SHA256 as a runtime offers it natively, handed to
// each key ring (as stripe-node hands its CryptoProvider to the client).
// Without one, the wasm core hashes. Either way every rule (secrets,
// limits, the signature's form, the payload) stays the core's: a provider
// only turns a key and a body into a digest.
//
// A provider is { name, minBytes, prepare(secret) -> key,
// hex(key, body) -> lower-case hex digest, byteLength(text) -> UTF-8 length }.
// Bodies shorter than `minBytes` are hashed in wasm, whose prepared HMAC
// state beats a native call's set-up on small bodies.

// Below this size the wasm HMAC with its prepared state beats createHmac in
// Node and Deno (benches/verify.mjs, benches/runtimes.mjs); Bun's native
// HMAC is faster at every size, so there it is 0.
const NODE_CRYPTO_MIN_BYTES = 512;
const BUN_NODE_CRYPTO_MIN_BYTES = 0;

/**
 * node:crypto's HMAC, loaded with the first body that needs it, so a
 * process that only sees small bodies never pays for loading it.
 * `builtin(name)` loads a Node builtin module: Node's require, or
 * `process.getBuiltinModule` (Node, Deno, Bun, workerd with nodejs_compat).
 */
export function nodeCryptoProvider(builtin, minBytes = globalThis.Bun === undefined ? NODE_CRYPTO_MIN_BYTES : BUN_NODE_CRYPTO_MIN_BYTES) {
  let crypto;
  let buffer;
  let hmacHex;
  const nodeCrypto = () => (crypto ??= builtin('node:crypto'));
  // Chosen on the first body hashed: Bun's own keyed hasher where it works, else createHmac.
  const hmac = () => (hmacHex ??= bunHmacHex() ?? ((key, body) => nodeCrypto().createHmac('sha256', key).update(body).digest('hex')));
  // node:buffer rather than a global Buffer, which not every runtime with Node's builtins has.
  const Buffer = () => (buffer ??= builtin('node:buffer').Buffer);
  return Object.freeze({
    name: 'node:crypto',
    minBytes,
    // A private Buffer copy: createHmac sets up fastest from bytes.
    prepare: (secret) => Buffer().from(secret),
    hex: (key, body) => hmac()(key, body),
    byteLength: (text) => Buffer().byteLength(text, 'utf8'),
  });
}

// A published HMAC-SHA256 answer: the key "key" and the pangram.
const KNOWN_HMAC = ['key', 'The quick brown fox jumps over the lazy dog', 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'];

/**
 * Bun's own keyed hasher (Bun.CryptoHasher), which sets up faster per call
 * than Bun's createHmac, as `hex(key, body)`; undefined outside Bun, or
 * where it does not give HMAC-SHA256's known answer (a Bun without keyed
 * hashing).
 */
function bunHmacHex() {
  const Hasher = globalThis.Bun?.CryptoHasher;
  if (typeof Hasher !== 'function') return undefined;
  const [key, message, digest] = KNOWN_HMAC;
  try {
    if (new Hasher('sha256', key).update(message).digest('hex') !== digest) return undefined;
  } catch {
    return undefined;
  }
  return (secret, body) => new Hasher('sha256', secret).update(body).digest('hex');
}

/** node:crypto where the runtime offers `process.getBuiltinModule`, else none (the wasm HMAC). */
export function builtinHashProvider() {
  const process = globalThis.process;
  if (typeof process?.getBuiltinModule !== 'function') return undefined;
  return nodeCryptoProvider((name) => process.getBuiltinModule(name));
}

/**
 * WebCrypto's HMAC, for the asynchronous surfaces (verifyRequest, the
 * handlers, verifySignatureAsync) where it is the fastest HMAC the runtime
 * has: workerd, whose `crypto.subtle` is native code that resolves at once,
 * and browsers. (Node's WebCrypto goes through a thread pool: there
 * node:crypto, synchronous, is faster at every size.)
 *
 * An asynchronous provider is { name, minBytes, importKey(secretBytes) ->
 * Promise<key>, verify(key, signatureBytes, body) -> Promise<boolean> }.
 * `verify` compares in constant time, natively. Bodies shorter than
 * `minBytes` take the synchronous path, faster there.
 */
export function webCryptoProvider(subtle, minBytes = 0) {
  const algorithm = { name: 'HMAC', hash: 'SHA-256' };
  return Object.freeze({
    name: 'WebCrypto',
    minBytes,
    importKey: (secret) => subtle.importKey('raw', secret, algorithm, false, ['verify']),
    verify: (key, signature, body) => subtle.verify('HMAC', key, signature, body),
  });
}

/**
 * WebCrypto where the runtime has it (`globalThis.crypto.subtle`), else
 * none; `minBytes` is the runtime's measured crossover (see the entries).
 */
export function globalWebCryptoProvider(minBytes) {
  const subtle = globalThis.crypto?.subtle;
  return typeof subtle?.verify === 'function' ? webCryptoProvider(subtle, minBytes) : undefined;
}

// The providers the runtime's entry chose (it sets them once, at import).
let runtimeProvider;
let runtimeAsyncProvider;

/**
 * Called once by the runtime's entry: the providers key rings use unless
 * given others. `provider` hashes for every surface (synchronous, so the
 * asynchronous ones use it too when there is no `asyncProvider`);
 * `asyncProvider`, when given, verifies for the asynchronous surfaces.
 */
export function setRuntimeHashProvider(provider, asyncProvider) {
  runtimeProvider = provider;
  runtimeAsyncProvider = asyncProvider;
}

/** The provider the runtime's entry chose; undefined: the wasm HMAC. */
export function runtimeHashProvider() {
  return runtimeProvider;
}

/** The asynchronous provider the runtime's entry chose; undefined: the synchronous path. */
export function runtimeAsyncHashProvider() {
  return runtimeAsyncProvider;
}
