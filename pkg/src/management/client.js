// A client of Promptfoo's management API, where webhooks are created and
// their secrets rotated (the paths are in src/contract.rs):
//
//   createWebhook(config)   POST /api/v1/webhooks, or the integration
//                           document's /api/webhooks when that answers 404
//   regenerateSecret(id)    POST /api/v1/webhooks/{id}/regenerate-secret
//   listEventTypes()        GET  /api/v1/webhooks/event-types
//
// `Authorization: Bearer <token>`. The base URL and token come from the
// options, else from PROMPTFOO_API_URL and PROMPTFOO_API_TOKEN; there is no
// default server. Every request has a timeout and a bounded answer. The
// documents do not fix the answers' shapes, so they are read tolerantly: a
// webhook may come bare or wrapped ({ webhook }, { data }), event types as
// an array of names or of objects, bare or wrapped. Failures are
// PromptfooApiError with a stable code; the token never appears in one,
// nor in what `util.inspect` shows of the client.

import { readBounded } from '../core/body.js';
import { apiError, invalidArgType } from '../core/errors.js';
import { MANAGEMENT_API } from '../generated/contract.js';
import { validateWebhookConfig } from '../verify/tools.js';

export const API_URL_ENV = 'PROMPTFOO_API_URL';
export const API_TOKEN_ENV = 'PROMPTFOO_API_TOKEN';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const SERVER_MESSAGE_MAX_CHARS = 500;
// Where a server may wrap what it answers.
const WRAPPERS = ['webhook', 'data', 'result'];

export class ManagementClient {
  #token;
  #fetch;

  /**
   * @param {{ baseUrl?: string, token?: string, timeoutMs?: number, maxResponseBytes?: number, fetch?: typeof fetch }} [options]
   */
  constructor(options = {}) {
    if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'an object', options);
    const env = globalThis.process?.env ?? {};
    const baseUrl = options.baseUrl ?? env[API_URL_ENV];
    const token = options.token ?? env[API_TOKEN_ENV];
    const missing = [
      [baseUrl, `the base URL (baseUrl or ${API_URL_ENV})`],
      [token, `the API token (token or ${API_TOKEN_ENV})`],
    ]
      .filter(([value]) => value === undefined || value === null || String(value).trim() === '')
      .map(([, what]) => what);
    if (missing.length > 0) throw apiError('api_not_configured', `not set: ${missing.join(' and ')}`);
    if (typeof token !== 'string' || /[\r\n]/.test(token)) throw invalidArgType('options.token', 'a string on one line', token);
    this.baseUrl = parseBaseUrl(baseUrl);
    this.timeoutMs = positiveNumber('options.timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.maxResponseBytes = positiveNumber('options.maxResponseBytes', options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw invalidArgType('options.fetch', 'a function', options.fetch);
    this.#token = token;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * Creates a webhook. The config is checked first (every problem at once,
   * nothing sent); `enabled` defaults to true. Resolves to `{ id, secret,
   * webhook }`: the secret signs its deliveries, and is shown only now.
   */
  async createWebhook(config) {
    const body = { enabled: true, ...config };
    const checked = validateWebhookConfig(body);
    if (!checked.ok) {
      const list = checked.problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
      throw apiError('invalid_webhook_config', list, { problems: checked.problems });
    }
    let answer;
    try {
      answer = await this.#request('POST', MANAGEMENT_API.createWebhook, checked.config);
    } catch (error) {
      if (error?.code !== 'api_request_rejected' || error.status !== 404) throw error;
      answer = await this.#request('POST', MANAGEMENT_API.createWebhookLegacy, checked.config); // an older server
    }
    const webhook = unwrap(answer, 'secret');
    return { id: stringMember(webhook, 'id'), secret: requiredSecret(webhook), webhook: redactedWebhook(webhook) };
  }

  /**
   * A new secret for webhook `id`, in force at once: receivers should
   * accept the old and the new one until they all run with the new one.
   * Resolves to `{ id, secret }`.
   */
  async regenerateSecret(id) {
    if (typeof id !== 'string' || id.trim() === '') throw invalidArgType('id', 'a webhook id (a non-empty string)', id);
    const path = MANAGEMENT_API.regenerateSecret.replace('{id}', encodeURIComponent(id));
    const answer = await this.#request('POST', path);
    if (typeof answer === 'string' && answer !== '') return { id, secret: answer }; // the secret alone, as a JSON string
    const webhook = unwrap(answer, 'secret');
    return { id: stringMember(webhook, 'id') ?? id, secret: requiredSecret(webhook) };
  }

  /** The event names the server can send, as strings. */
  async listEventTypes() {
    const answer = await this.#request('GET', MANAGEMENT_API.eventTypes);
    const list = Array.isArray(answer)
      ? answer
      : ['eventTypes', 'events', 'types', 'data'].map((key) => answer?.[key]).find(Array.isArray);
    if (list === undefined) throw apiError('api_bad_response', 'the event types answer holds no list');
    return list.map((entry) => {
      const name = typeof entry === 'string' ? entry : ['name', 'type', 'value', 'id'].map((key) => entry?.[key]).find((v) => typeof v === 'string');
      if (name === undefined) throw apiError('api_bad_response', 'an event type is neither a name nor an object with one');
      return name;
    });
  }

  /** The answer's JSON (null for an empty body), or a PromptfooApiError. */
  async #request(method, path, body) {
    const url = `${this.baseUrl}${path}`;
    const what = `${method} ${path}`;
    const headers = { Accept: 'application/json', Authorization: `Bearer ${this.#token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response;
    let text;
    try {
      response = await this.#fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual', signal });
      text = await readAnswer(response, this.maxResponseBytes);
    } catch (error) {
      if (error?.code === 'api_bad_response') throw error;
      const reason = signal.aborted ? `no answer within ${this.timeoutMs} ms` : this.#scrub(String(error?.cause?.code ?? error?.cause?.message ?? error?.message ?? error));
      throw apiError('api_unreachable', `${what}: ${reason}`);
    }
    if (response.status < 200 || response.status > 299) {
      const serverMessage = this.#scrub(serverMessageOf(text));
      const said = serverMessage === '' ? '' : `: ${serverMessage}`;
      throw apiError('api_request_rejected', `${what} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${said}`, {
        status: response.status,
        serverMessage,
      });
    }
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text);
    } catch {
      throw apiError('api_bad_response', `${what} answered ${response.status} with a body that is not JSON`);
    }
  }

  /** `text` with the token cut out, should a server or proxy echo it. */
  #scrub(text) {
    return this.#token.length > 0 ? text.split(this.#token).join('[token]') : text;
  }

  // The token is a private field: util.inspect and console.log never show it.
  toJSON() {
    return { baseUrl: this.baseUrl, timeoutMs: this.timeoutMs };
  }
}

function parseBaseUrl(text) {
  let url;
  try {
    url = new URL(String(text));
  } catch {
    throw apiError('api_not_configured', 'the base URL is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw apiError('api_not_configured', `the base URL must be http(s), got ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw apiError('api_not_configured', 'the base URL must not hold credentials: pass the token');
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, ''); // the paths start with '/', after any prefix of the server's
}

function positiveNumber(name, value) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalidArgType(name, 'a positive number', value);
  return value;
}

/** The answer's text, refusing one over `limit` bytes (declared or read). */
async function readAnswer(response, limit) {
  const tooLarge = (size) => apiError('api_bad_response', `the answer is ${size} bytes or more, over the ${limit}-byte limit`);
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(declared);
  }
  return new TextDecoder().decode(await readBounded(response.body ?? null, limit, tooLarge));
}

/** What a refusal says: its JSON `error`/`message`, or its text; short, on one line. */
function serverMessageOf(text) {
  let said = text;
  try {
    const parsed = JSON.parse(text);
    const found = [parsed?.error?.message, parsed?.message, parsed?.error, parsed?.detail].find((value) => typeof value === 'string');
    if (found !== undefined) said = found;
  } catch {
    // not JSON: the text itself
  }
  said = said.replace(/\s+/g, ' ').trim();
  return said.length > SERVER_MESSAGE_MAX_CHARS ? `${said.slice(0, SERVER_MESSAGE_MAX_CHARS)}…` : said;
}

/** The object holding `key`: the answer itself or one of its wrappers. */
function unwrap(answer, key) {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw apiError('api_bad_response', 'the answer is not a JSON object');
  }
  if (key in answer) return answer;
  const inner = WRAPPERS.map((name) => answer[name]).find((value) => typeof value === 'object' && value !== null && key in value);
  return inner ?? answer;
}

function stringMember(object, key) {
  const value = object[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function requiredSecret(webhook) {
  const secret = webhook.secret;
  if (typeof secret !== 'string' || secret === '') throw apiError('api_bad_response', 'the answer holds no secret');
  return secret;
}

/** The webhook as the server described it, less its secret (returned on its own, once). */
function redactedWebhook(webhook) {
  const { secret: _secret, ...rest } = webhook;
  return rest;
}
