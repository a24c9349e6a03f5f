// The sending side: sign bodies, and payloads ready to POST.

import { rawBody, unsupportedBody } from '../core/body.js';
import { webhookError } from '../core/errors.js';
import { checkEventValue } from '../core/wasm.js';
import { SIGNATURE_HEADER } from '../generated/contract.js';
import { UNLIMITED, withKeyRing } from './keys.js';
import { checkedPayload, jsonText } from './pipeline.js';

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
