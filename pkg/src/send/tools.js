// Tools over the core's tools module (loaded on first use): canonical JSON,
// the change event Promptfoo sends, and the management helpers.

import { rawBody } from '../core/body.js';
import { guarded, invalidArgType, kindOf, webhookError } from '../core/errors.js';
import {
  canonicalizeBytes,
  canonicalizeText,
  generateSecretHex,
  issueChangeEventJson,
  validateWebhookConfigJson,
} from '../core/tools-module.js';
import { jsonText } from '../verify/pipeline.js';

// Literals, not `new RegExp(...)`: a bundler drops a literal nobody uses,
// but keeps a constructor call at module level as a possible side effect.
const HAS_LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// The backslashes right before it decide whether it is itself escaped.
const LONE_SURROGATES = /(\\*)([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/g;

// UTF-8 cannot carry a lone surrogate into the core. Inside a JSON string
// `\udXXX` means the same code unit, and outside one both forms are syntax
// errors, so rewriting it changes nothing V8 would see. After an odd run of
// backslashes the surrogate is an escape character, which V8 rejects: `x`
// keeps that escape invalid.
function escapeLoneSurrogates(text) {
  return text.replace(LONE_SURROGATES, (_, slashes, unit) =>
    slashes.length % 2 === 1 ? `${slashes}x` : `${slashes}\\u${unit.charCodeAt(0).toString(16)}`,
  );
}

/** Exactly what V8's JSON.stringify(JSON.parse(jsonText)) returns. */
export function canonicalize(jsonText) {
  if (typeof jsonText === 'string') {
    const wellFormed = jsonText.isWellFormed?.() ?? !HAS_LONE_SURROGATE.test(jsonText);
    return canonicalizeText(wellFormed ? jsonText : escapeLoneSurrogates(jsonText));
  }
  const raw = rawBody(jsonText);
  if (raw === undefined) throw invalidArgType('jsonText', 'a string or bytes', jsonText);
  return canonicalizeBytes(raw);
}

/**
 * The one event Promptfoo sends for a change from `before` to `after`:
 * issue.status_changed, issue.severity_changed, issue.updated for several
 * changes at once, or null when nothing it reports changed.
 */
export function issueChangeEvent(before, after, options = {}) {
  if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'an object', options);
  const { userId, timestamp = new Date().toISOString() } = guarded(
    () => ({ userId: options.userId, timestamp: options.timestamp }),
    () => webhookError('invalid_options', 'reading the options threw (see error.cause)'),
  );
  if (userId !== undefined && typeof userId !== 'string') throw invalidArgType('options.userId', 'a string', userId);
  if (typeof timestamp !== 'string') throw invalidArgType('options.timestamp', 'an ISO 8601 string', timestamp);
  const json = issueChangeEventJson(issueJson(before, 'before'), issueJson(after, 'after'), userId, timestamp);
  return json === undefined ? null : JSON.parse(json);
}

function issueJson(value, name) {
  if (kindOf(value) !== 'object') throw invalidArgType(name, 'an issue object', value);
  const text = jsonText(value, 'invalid_payload', name);
  if (text === undefined) throw webhookError('invalid_payload', `${name} has no JSON form`, { path: '$' });
  return text;
}

/** A new webhook secret: 64 hex characters from the platform's CSPRNG. */
export function generateSecret() {
  return generateSecretHex();
}

/**
 * Checks a webhook configuration as the management API takes it.
 * @returns {{ ok: true, config: object } | { ok: false, problems: Array<{ path: string, message: string }> }}
 */
export function validateWebhookConfig(config) {
  return JSON.parse(validateWebhookConfigJson(jsonText(config, 'invalid_payload', 'the config') ?? 'null'));
}
