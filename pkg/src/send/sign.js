// The sending side: sign bodies, and payloads ready to POST.

import { rawBody, unsupportedBody } from '../core/body.js';
import { invalidArgType, webhookError } from '../core/errors.js';
import { checkEventValue } from '../core/wasm.js';
import { SIGNATURE_HEADER } from '../generated/contract.js';
import { UNLIMITED, withKeyRing } from '../verify/keys.js';
import { checkedPayload, jsonText } from '../verify/pipeline.js';

/** Lower-case hex HMAC-SHA256 of the body bytes. */
export function sign(body, secret) {
  const raw = rawBody(body);
  if (raw === undefined) throw unsupportedBody(body);
  return withKeyRing(secret, UNLIMITED, (keys) => keys.sign(raw));
}

/** `{ body, headers }` ready to POST: the payload as JSON.stringify prints it, checked against the contract, signed. */
export function signPayload(payload, secret) {
  const body = typeof payload === 'string' ? payload : jsonText(payload, 'invalid_payload', 'the payload');
  if (body === undefined) throw webhookError('invalid_payload', 'the payload has no JSON form', { path: '$' });
  checkedPayload(body, typeof payload === 'string' ? undefined : payload, checkEventValue);
  return {
    body,
    headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: sign(body, secret) },
  };
}

/**
 * The payload Promptfoo sends for event `name` with `data`: `{ event,
 * timestamp, data }`, in that order, stamped `timestamp` (an ISO 8601
 * string; default now), checked against the contract (invalid_payload
 * names the member at fault). What it returns is what JSON.stringify will
 * print: ready for signPayload.
 */
export function buildEvent(name, data, { timestamp = new Date().toISOString() } = {}) {
  if (typeof name !== 'string' || name === '') throw invalidArgType('name', 'an event name', name);
  if (typeof timestamp !== 'string') throw invalidArgType('options.timestamp', 'an ISO 8601 string', timestamp);
  const payload = { event: name, timestamp, data };
  const text = jsonText(payload, 'invalid_payload', 'the payload');
  return checkedPayload(text, payload, checkEventValue);
}
