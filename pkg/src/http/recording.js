// The body of a delivery recorded as it is read, so that the bytes that
// verified can be sent on (forwardTo), kept (an inbox) or shown (onAnswer).

import { concatBytes } from '../core/body.js';

/**
 * The delivery with its body stream recorded as it is read, so the bytes
 * that verified can be sent on: `{ delivery, bytes() }`, where `bytes()`
 * is undefined unless the body was read to its end. A body a parser left
 * is already whole.
 */
export function recording(delivery) {
  if (delivery.request === undefined) {
    const body = delivery.body;
    const bytes = typeof body === 'string' || ArrayBuffer.isView(body) ? body : JSON.stringify(body);
    return { delivery, bytes: () => bytes };
  }
  const chunks = [];
  let ended = delivery.request.body === null || delivery.request.body === undefined;
  const stream = delivery.request.body?.pipeThrough(
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
  const request = { headers: delivery.request.headers, body: stream ?? null };
  return {
    delivery: { ...delivery, request },
    bytes: () => (ended ? concatBytes(chunks) : undefined),
  };
}
