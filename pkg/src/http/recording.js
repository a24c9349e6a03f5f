// The body of a delivery recorded as it is read, so that the bytes that
// verified can be sent on (forwardTo), kept (an inbox) or shown (onAnswer).

import { concatBytes } from '../core/body.js';

/**
 * The body an adapter opened (`{ body }`, whole, or `{ request }`, whose
 * `body` is a stream) with its stream recorded as it is read: `{ part,
 * bytes() }`, where `bytes()` is undefined unless the body was read to its
 * end. A body a parser left is already whole.
 */
export function recording(part) {
  if (part.request === undefined) {
    const body = part.body;
    const bytes = typeof body === 'string' || ArrayBuffer.isView(body) ? body : JSON.stringify(body);
    return { part, bytes: () => bytes };
  }
  const chunks = [];
  let ended = part.request.body === null || part.request.body === undefined;
  const stream = part.request.body?.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        chunks.push(chunk);
        controller.enqueue(chunk);
      },
      flush() {
        ended = true;
      },
    }),
  );
  return {
    part: { ...part, request: { body: stream ?? null } },
    bytes: () => (ended ? concatBytes(chunks) : undefined),
  };
}
