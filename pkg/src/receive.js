// The receiving surface alone: what a handler needs to verify and type a
// delivery. The `promptfoo-webhooks/verify` entry (node-verify.js) exports
// just this, so a process that only receives compiles the least code at
// startup; the whole API (index.js) re-exports it.

export { WebhookVerificationError } from './core/errors.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  DELIVERY_TIMEOUT_SECONDS,
  EVENT_NAMES,
  SEVERITIES,
  SIGNATURE_HEADER,
  STATUS_BY_CODE,
  STATUSES,
} from './generated/contract.js';
export { Webhook } from './verify/webhook.js';
export { isKnownEvent, parseEvent, verify, verifySignature, verifySignatureAsync } from './verify/verify.js';
