// Raw bodies as the core takes them: a string or bytes. Anything else is
// either a parsed JSON value (handled by the caller) or unsupported.

import { coreError } from './core.js';

const decoder = new TextDecoder(); // not fatal: invalid UTF-8 becomes U+FFFD, as Buffer#toString does

/** `string | Uint8Array` for raw bodies, `undefined` for anything else. */
export function rawBody(body) {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return undefined;
}

/** A value a JSON body parser produced (req.body after express.json()). */
export function isParsedBody(body) {
  return typeof body === 'object' && body !== null && !ArrayBuffer.isView(body) && !isBuffer(body);
}

function isBuffer(body) {
  return body instanceof ArrayBuffer || Object.prototype.toString.call(body) === '[object SharedArrayBuffer]';
}

export function unsupportedBody(body) {
  const kind = ArrayBuffer.isView(body) ? body.constructor.name : typeof body;
  const detail = body === undefined || body === null ? `the body is ${body}` : `a ${kind} cannot be verified`;
  return coreError('unsupported_body', detail);
}

export function bodyText(raw) {
  return typeof raw === 'string' ? raw : decoder.decode(raw);
}

/**
 * Reads a Fetch API body, stopping as soon as it passes `limit` bytes;
 * `tooLarge(size)` makes the error to throw then.
 */
export async function readBounded(stream, limit, tooLarge) {
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(size);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
