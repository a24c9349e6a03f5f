// Raw bodies as the core takes them: a string or bytes. Anything else is
// either a parsed JSON value (handled by the caller) or unsupported.
//
// Bodies come from callers, so nothing here trusts a value's own properties:
// the engine's intrinsic getters read the internal slots, which a Proxy, a
// forged prototype or an own `length` property cannot change. The wasm glue
// sizes its copy by `.length`, so a lying `length` would otherwise make the
// core read past the bytes it was given.

import { guarded, webhookError } from './errors.js';

// Not fatal: invalid UTF-8 becomes U+FFFD, as Buffer#toString does. A BOM
// is kept, as the core keeps it: JSON.parse must refuse it as V8 would.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const getter = (prototype, name) => Object.getOwnPropertyDescriptor(prototype, name).get;
const typedArrayKind = getter(TypedArrayPrototype, Symbol.toStringTag); // undefined unless a typed array
const viewBuffer = getter(TypedArrayPrototype, 'buffer');
const viewOffset = getter(TypedArrayPrototype, 'byteOffset');
const viewLength = getter(TypedArrayPrototype, 'byteLength');
const arrayBufferLength = getter(ArrayBuffer.prototype, 'byteLength'); // throws for anything else
const sharedBufferLength =
  typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined;

/** Whether the intrinsic `getter` accepts `value` (its brand check passes); no closure per call. */
function passesBrandCheck(getter, value) {
  try {
    getter.call(value);
    return true;
  } catch {
    return false;
  }
}
const isArrayBuffer = (value) => passesBrandCheck(arrayBufferLength, value);

/**
 * Plain objects and arrays, what JSON body parsers make, are no buffers:
 * asking first spares them the brand checks, which throw (slowly) for them.
 */
function isPlainData(value) {
  try {
    if (Array.isArray(value)) return true;
    const prototype = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null;
  } catch {
    return false; // a revoked Proxy or a throwing trap: let the brand checks decide
  }
}
const isSharedArrayBuffer = (value) => sharedBufferLength !== undefined && passesBrandCheck(sharedBufferLength, value);

/**
 * The bytes of a Uint8Array (a Buffer included), or `undefined` for
 * anything else: the array itself when its `length` tells the truth, else a
 * plain view of its real bytes. Bytes in shared memory are copied first:
 * another thread could change them between verifying and parsing.
 */
export function bytesOf(value) {
  if (!ArrayBuffer.isView(value) || typedArrayKind.call(value) !== 'Uint8Array') return undefined;
  const length = viewLength.call(value); // 0 once the buffer is detached
  if (length === 0) return new Uint8Array(0);
  const buffer = viewBuffer.call(value);
  // A view's buffer is an ArrayBuffer or a SharedArrayBuffer; asking the
  // common kind first keeps the usual path free of a thrown TypeError.
  const shared = !isArrayBuffer(buffer);
  // The caller's own array when its visible length is its real one (the
  // usual case): no new view to allocate per delivery.
  if (!shared && value.length === length) return value;
  const view = new Uint8Array(buffer, viewOffset.call(value), length);
  return shared ? new Uint8Array(view) : view;
}

/** `string | Uint8Array` for raw bodies, `undefined` for anything else. */
export function rawBody(body) {
  if (typeof body === 'string') return body;
  const bytes = bytesOf(body);
  if (bytes !== undefined) return bytes;
  if (typeof body !== 'object' || body === null || isPlainData(body)) return undefined;
  if (isArrayBuffer(body)) {
    return guarded(
      () => new Uint8Array(body),
      () => webhookError('unsupported_body', 'the ArrayBuffer is detached (transferred)'),
    );
  }
  return undefined;
}

/** A value a JSON body parser produced (req.body after express.json()). */
export function isParsedBody(body) {
  if (typeof body !== 'object' || body === null) return false;
  return isPlainData(body) || (!ArrayBuffer.isView(body) && !isArrayBuffer(body) && !isSharedArrayBuffer(body));
}

export function unsupportedBody(body) {
  if (body === undefined || body === null) return webhookError('unsupported_body', `the body is ${body}`);
  const kind = ArrayBuffer.isView(body)
    ? (typedArrayKind.call(body) ?? 'DataView')
    : isSharedArrayBuffer(body)
      ? 'SharedArrayBuffer'
      : typeof body;
  return webhookError('unsupported_body', `a ${kind} cannot be verified`);
}

export function bodyText(raw) {
  return typeof raw === 'string' ? raw : decoder.decode(raw);
}

// What readBounded's deadline resolves to, when it wins the race with a read.
const DEADLINE_PASSED = Symbol('deadline passed');

// Whether this runtime's BYOB readers fill a buffer in one call (workerd's
// readAtLeast): then a body of unknown length is read into a buffer too.
const BYOB_READS_AT_LEAST = typeof globalThis.ReadableStreamBYOBReader?.prototype.readAtLeast === 'function';
// The buffer a body of unknown length starts in, and how many times larger
// each next one is: webhook deliveries are a few KiB, and a larger buffer
// costs its allocation while another read costs a round trip.
const FIRST_CAPACITY = 4 * 1024;
const GROWTH = 8;

/**
 * Reads a Fetch API body, never holding more than `limit` bytes: past it
 * the read stops and `tooLarge(size)` is thrown. The bounds the caller may
 * add, in `bounds`:
 *   - `declared`, the Content-Length (at most `limit`): a body longer than
 *     it is refused at the byte after it, `longerThanDeclared(size)`, since
 *     nothing guarantees the runtime holds a stream to its declared length
 *     (a Request built in code, some proxies);
 *   - `timeoutMs`: a body that has not ended by then is refused,
 *     `timedOut()`, so a stream that never ends cannot hold the read.
 * The stream is cancelled whenever the read stops early.
 */
export async function readBounded(stream, limit, tooLarge, bounds = {}) {
  if (stream === null) return new Uint8Array(0);
  const { declared, longerThanDeclared, timeoutMs, timedOut } = bounds;
  // A byte stream (a runtime's Request body) is read into one buffer: of
  // the declared length plus one byte, the byte that tells a longer body;
  // with no length, one that grows up to the limit plus one byte, where
  // readAtLeast fills it in one call. Other streams go chunk by chunk.
  const byob = (declared === undefined ? BYOB_READS_AT_LEAST : declared <= limit) ? byobReaderOf(stream) : undefined;
  const reader = byob ?? stream.getReader();
  let timer;
  const deadline =
    timeoutMs === undefined ? undefined : new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs, DEADLINE_PASSED)));
  const read = {
    reader,
    within: (pending) => (deadline === undefined ? pending : Promise.race([pending, deadline])),
    stop: async (error) => {
      await reader.cancel().catch(() => {});
      throw error;
    },
    timedOut,
  };
  try {
    if (byob === undefined) return await readChunks(read, limit, declared, tooLarge, longerThanDeclared);
    if (declared !== undefined) return await readIntoBuffer(read, declared + 1, declared + 1, longerThanDeclared);
    return await readIntoBuffer(read, Math.min(FIRST_CAPACITY, limit + 1), limit + 1, tooLarge);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * readBounded from a BYOB reader, into a buffer of `capacity` bytes that
 * grows up to `maxCapacity`: a body that fills that is refused,
 * `overflow(size)`, without a byte more read.
 */
async function readIntoBuffer({ reader, within, stop, timedOut }, capacity, maxCapacity, overflow) {
  // workerd's readAtLeast fills the buffer in one native call.
  const readAtLeast = typeof reader.readAtLeast === 'function';
  let buffer = new ArrayBuffer(capacity);
  let filled = 0;
  for (;;) {
    const view = new Uint8Array(buffer, filled, capacity - filled);
    const result = await within(readAtLeast ? reader.readAtLeast(view.byteLength, view) : reader.read(view));
    if (result === DEADLINE_PASSED) return await stop(timedOut());
    if (result.value !== undefined) {
      buffer = result.value.buffer; // the read transferred it
      filled += result.value.byteLength;
    }
    if (filled === maxCapacity) return await stop(overflow(filled));
    // readAtLeast gives less than it was asked for only at the end of the stream.
    if (result.done || (readAtLeast && filled < capacity)) return new Uint8Array(buffer, 0, filled);
    if (filled === capacity) {
      capacity = Math.min(capacity * GROWTH, maxCapacity);
      buffer = grown(buffer, filled, capacity);
    }
  }
}

/** A buffer of `capacity` bytes starting with the `filled` bytes of `buffer`. */
function grown(buffer, filled, capacity) {
  const bytes = new Uint8Array(capacity);
  bytes.set(new Uint8Array(buffer, 0, filled));
  return bytes.buffer;
}

/** readBounded chunk by chunk, from a default reader. */
async function readChunks({ reader, within, stop, timedOut }, limit, declared, tooLarge, longerThanDeclared) {
  const chunks = [];
  let size = 0;
  for (;;) {
    const result = await within(reader.read());
    if (result === DEADLINE_PASSED) return await stop(timedOut());
    const { done, value } = result;
    if (done) break;
    const chunk = bytesOf(value);
    if (chunk === undefined) {
      return await stop(webhookError('unsupported_body', 'the body stream gave a chunk that is not a Uint8Array'));
    }
    size += chunk.byteLength;
    if (size > limit) return await stop(tooLarge(size));
    if (declared !== undefined && size > declared) return await stop(longerThanDeclared(size));
    chunks.push(chunk);
  }
  return concatBytes(chunks);
}

/** The stream's BYOB reader when it is a byte stream, else undefined. */
function byobReaderOf(stream) {
  try {
    return stream.getReader({ mode: 'byob' });
  } catch {
    return undefined; // a default stream (or a caller's object): read chunk by chunk
  }
}

/** The chunks as one Uint8Array (the chunk itself when there is one). */
export function concatBytes(chunks) {
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
