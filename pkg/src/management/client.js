// A client of Promptfoo's management API, where webhooks are created and
// their secrets rotated (the paths are in src/contract.rs):
//
//   createWebhook(config)   POST /api/v1/webhooks, or the integration
//                           document's /api/webhooks when that answers 404
//   regenerateSecret(id)    POST /api/v1/webhooks/{id}/regenerate-secret
//   listEventTypes()        GET  /api/v1/webhooks/event-types
//
// The integration document's server has only POST /api/webhooks; the other
// two came with /api/v1 later. A client remembers which API answered, so
// its next create goes there first, and a 404 says which endpoint the
// server lacks and what to do without it, rather than blaming the id.
//
// `Authorization: Bearer <token>`. The base URL and token come from the
// options, else from PROMPTFOO_API_URL and PROMPTFOO_API_TOKEN; there is no
// default server. Every request has a timeout and a bounded answer. The
// documents do not fix the answers' shapes, so they are read tolerantly: a
// webhook may come bare or wrapped ({ webhook }, { data }), event types as
// an array of names or of objects, bare or wrapped. Failures are
// PromptfooApiError with a stable code; the token never appears in one,
// nor in what `util.inspect` shows of the client.
//
// The token goes over plain http only to a loopback host, unless the caller
// opts in with `allowInsecureHttp: true`. It must be visible ASCII, as a
// header carries it unchanged (fetch trims spaces and refuses NUL), so that
// what a server echoes is what the scrubber looks for. Every text put in an
// error is scrubbed of the token as given, escaped for a URL, JSON/JS or
// HTML, or cut short to a prefix of PARTIAL_MIN characters or more.

import { readBounded } from '../core/body.js';
import { invalidArgType } from '../core/errors.js';
import { apiError } from './errors.js';
import { MANAGEMENT_API } from '../generated/contract.js';
import { validateWebhookConfig } from '../send/tools.js';

export const API_URL_ENV = 'PROMPTFOO_API_URL';
export const API_TOKEN_ENV = 'PROMPTFOO_API_TOKEN';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const SERVER_MESSAGE_MAX_CHARS = 500;
const STATUS_TEXT_MAX_CHARS = 100;
// What a header carries unchanged (fetch trims spaces, refuses controls) and a Bearer token holds: visible ASCII.
const TOKEN_CHARS = /^[\x21-\x7E]+$/;
// A token prefix this long or longer, as a server or proxy may cut it, is scrubbed too.
const PARTIAL_MIN = 8;
const TOKEN_MARK = '[token]';
// Where a server may wrap what it answers.
const WRAPPERS = ['webhook', 'data', 'result'];

// Where each API creates a webhook: /api/v1, or the integration document's path.
const CREATE_PATHS = { v1: MANAGEMENT_API.createWebhook, document: MANAGEMENT_API.createWebhookLegacy };
const DOCUMENT_EVENTS = 'issue.created, issue.updated, issue.status_changed, issue.severity_changed and issue.comment_added';
const LATER_API =
  "came with /api/v1 in later Promptfoo versions, and a server with only the integration document's API has POST /api/webhooks alone";

export class ManagementClient {
  #token;
  #fetch;
  // 'v1' or 'document' once a request has told which API the server has; undefined before.
  #api;

  /**
   * @param {{ baseUrl?: string, token?: string, timeoutMs?: number, maxResponseBytes?: number, fetch?: typeof fetch, allowInsecureHttp?: boolean }} [options]
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
    if (typeof token !== 'string' || !TOKEN_CHARS.test(token)) {
      const name = options.token === undefined || options.token === null ? API_TOKEN_ENV : 'options.token';
      throw invalidArgType(name, 'a string of visible ASCII (no space or control character), as an HTTP header carries it', token);
    }
    const allowInsecureHttp = options.allowInsecureHttp ?? false;
    if (typeof allowInsecureHttp !== 'boolean') throw invalidArgType('options.allowInsecureHttp', 'a boolean', allowInsecureHttp);
    this.baseUrl = parseBaseUrl(baseUrl, allowInsecureHttp);
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
      const problems = checked.problems.map((problem) => ({ ...problem, message: this.#scrub(problem.message) }));
      const list = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
      throw this.#error('invalid_webhook_config', list, { problems });
    }
    const answer = await this.#create(checked.config);
    const webhook = unwrap(answer, 'secret');
    return { id: stringMember(webhook, 'id'), secret: requiredSecret(webhook), webhook: redactedWebhook(webhook) };
  }

  /** POSTs a webhook where this server last answered (/api/v1 until one did), then on the other API after a 404. */
  async #create(config) {
    const [first, second] = this.#api === 'document' ? ['document', 'v1'] : ['v1', 'document'];
    try {
      return await this.#requestOn(first, 'POST', CREATE_PATHS[first], config);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      return await this.#requestOn(second, 'POST', CREATE_PATHS[second], config);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const where = "Neither POST /api/v1/webhooks nor the integration document's POST /api/webhooks exists at this base URL: it is likely not your Promptfoo server's root.";
      throw this.#withHint(error, this.#prefixHint(CREATE_PATHS[second]) ?? where);
    }
  }

  /**
   * A new secret for webhook `id`, in force at once: receivers should
   * accept the old and the new one until they all run with the new one.
   * Resolves to `{ id, secret }`.
   */
  async regenerateSecret(id) {
    const path = webhookPath(MANAGEMENT_API.regenerateSecret, id);
    let answer;
    try {
      answer = await this.#requestOn('v1', 'POST', path);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      throw this.#withHint(error, this.#prefixHint(path) ?? (await this.#regenerateNotFoundHint(id)));
    }
    if (typeof answer === 'string' && answer !== '') return { id, secret: answer }; // the secret alone, as a JSON string
    const webhook = unwrap(answer, 'secret');
    return { id: stringMember(webhook, 'id') ?? id, secret: requiredSecret(webhook) };
  }

  /** The event names the server can send, as strings. */
  async listEventTypes() {
    let answer;
    try {
      answer = await this.#requestOn('v1', 'GET', MANAGEMENT_API.eventTypes);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const missing = `This server has no GET /api/v1/webhooks/event-types: it ${LATER_API}. Without it, the integration document's events are ${DOCUMENT_EVENTS}; the package's EVENT_NAMES lists every event this version knows.`;
      throw this.#withHint(error, this.#prefixHint(MANAGEMENT_API.eventTypes) ?? missing);
    }
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

  /** #request, remembering that the server has `api` when it answers. */
  async #requestOn(api, method, path, body) {
    const answer = await this.#request(method, path, body);
    this.#api = api;
    return answer;
  }

  /**
   * Why regenerate-secret found nothing: no /api/v1 at all (GET event-types,
   * asked once, is a 404 too), or no webhook of that id.
   */
  async #regenerateNotFoundHint(id) {
    if (this.#api === undefined) {
      try {
        await this.#requestOn('v1', 'GET', MANAGEMENT_API.eventTypes);
      } catch (error) {
        // Any other answer (a refusal, an unreadable one) still came from an /api/v1 route.
        if (isNotFound(error)) this.#api = 'document';
        else if (error?.code !== 'api_unreachable') this.#api = 'v1';
      }
    }
    const shown = JSON.stringify(id);
    if (this.#api === 'v1') return `The server has the /api/v1 API but no webhook ${shown}: check the id.`;
    const without = 'rotate by creating a new webhook (it gets a new secret), let receivers accept both secrets, then disable or delete the old one in Promptfoo';
    if (this.#api === 'document') return `This server has no /api/v1 API: POST /api/v1/webhooks/{id}/regenerate-secret ${LATER_API}. Without it, ${without}.`;
    return `Either no webhook ${shown} exists (check the id), or the server has no /api/v1 API, where regenerate-secret came in (the integration document's API has POST /api/webhooks alone: then ${without}).`;
  }

  /** A hint for a base URL ending in /api, which the paths repeat (/api/api/...); undefined otherwise. */
  #prefixHint(path) {
    if (!/\/api$/i.test(new URL(this.baseUrl).pathname)) return undefined;
    return `The base URL ends in /api, and the paths start with /api/ (this asked ${this.baseUrl}${path}): try ${this.baseUrl.slice(0, -'/api'.length)} instead.`;
  }

  /** `error` with `hint`, scrubbed as the rest of it is. */
  #withHint(error, hint) {
    error.hint = this.#scrub(hint);
    return error;
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
      // Only the fetch error's words are kept, scrubbed: not the error as a cause, whose words may hold the token.
      const reason = signal.aborted ? `no answer within ${this.timeoutMs} ms` : String(error?.cause?.code ?? error?.cause?.message ?? error?.message ?? error);
      throw this.#error('api_unreachable', `${what}: ${reason}`);
    }
    if (response.status < 200 || response.status > 299) {
      // Scrubbed before they are cut short, so no part of the token is left at the cut.
      const serverMessage = scrubbedStart(serverMessageOf(text), this.#token, SERVER_MESSAGE_MAX_CHARS);
      const statusText = shortened(this.#scrub(oneLine(String(response.statusText ?? ''))), STATUS_TEXT_MAX_CHARS);
      const said = serverMessage === '' ? '' : `: ${serverMessage}`;
      throw this.#error('api_request_rejected', `${what} answered ${response.status}${statusText ? ` ${statusText}` : ''}${said}`, {
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

  /** An apiError whose message is scrubbed as a whole: scrubbed parts side by side could spell the token again. */
  #error(code, detail, details) {
    return apiError(code, this.#scrub(detail), details);
  }

  /** `text` with the token cut out, should a server, proxy or custom fetch echo it. */
  #scrub(text) {
    return scrubToken(text, this.#token);
  }

  // The token is a private field: util.inspect and console.log never show it.
  toJSON() {
    return { baseUrl: this.baseUrl, timeoutMs: this.timeoutMs };
  }
}

function parseBaseUrl(text, allowInsecureHttp) {
  let url;
  try {
    url = new URL(String(text));
  } catch {
    throw apiError('api_not_configured', 'the base URL is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw apiError('api_not_configured', `the base URL must be http(s), got ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw apiError('api_not_configured', 'the base URL must not hold credentials: pass the token');
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopback(url.hostname)) {
    throw apiError('api_not_configured', `the base URL must be https: the token would cross the network over plain http to ${url.hostname} (only a loopback host may use http, unless you pass allowInsecureHttp: true)`);
  }
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, ''); // the paths start with '/', after any prefix of the server's
}

/**
 * Whether `hostname` (as the URL parser wrote it, IPv4 in dotted decimal)
 * names this machine: localhost, 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped
 * into IPv6. A name that merely resolves there is not trusted.
 */
function isLoopback(hostname) {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname) || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname);
}

/** `template` with `{id}` as exactly one path segment; "." and ".." would be read as a move up the path. */
function webhookPath(template, id) {
  if (typeof id !== 'string' || id.trim() === '' || id === '.' || id === '..') {
    throw invalidArgType('id', 'a webhook id (a non-empty string, not "." or "..")', id);
  }
  return template.replace('{id}', encodeURIComponent(id));
}

/** Whether `error` is the server's 404: a path it does not have, or an id it does not know. */
function isNotFound(error) {
  return error?.code === 'api_request_rejected' && error.status === 404;
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

/** What a refusal says: its JSON `error`/`message`, or its text; on one line (the caller shortens it). */
function serverMessageOf(text) {
  let said = text;
  try {
    const parsed = JSON.parse(text);
    const found = [parsed?.error?.message, parsed?.message, parsed?.error, parsed?.detail].find((value) => typeof value === 'string');
    if (found !== undefined) said = found;
  } catch {
    // not JSON: the text itself
  }
  return oneLine(said);
}

function oneLine(text) {
  return text.replace(/\s+/g, ' ').trim();
}

function shortened(text, max) {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

// The longest escape of one character below (&#x00007e; or &#0000126;).
const LONGEST_ESCAPE = 10;
// How a text may escape one character: for a URL (%2F), in JSON or JS
// (\/, \u002f, \x2f), in HTML (&#47;, &#x2f;, &quot;). Each is decoded on its
// own, as an escaper applies one; the token as given is looked for too.
const HTML_NAMED = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ESCAPES = [
  ['%', /%([0-9a-f]{2})/iy, (m) => charCode(parseInt(m[1], 16))],
  ['\\', /\\(?:u([0-9a-f]{4})|x([0-9a-f]{2})|([^ux]))/iy, (m) => m[3] ?? charCode(parseInt(m[1] ?? m[2], 16))],
  ['&', /&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|(amp|lt|gt|quot|apos));?/iy, (m) => HTML_NAMED[m[3]?.toLowerCase()] ?? charCode(m[1] ? Number(m[1]) : parseInt(m[2], 16))],
];

/** A token character is ASCII: anything else decodes to a character no token holds. */
function charCode(code) {
  return code <= 0x7e ? String.fromCharCode(code) : '\ufffd';
}

/**
 * `text` decoded by one of ESCAPES: the decoded string, and for each of its
 * characters where it starts and ends in `text`.
 */
function decode(text, [lead, pattern, decodeOne]) {
  const chars = [];
  const starts = [];
  const ends = [];
  for (let at = 0; at < text.length; ) {
    pattern.lastIndex = at;
    const match = text[at] === lead ? pattern.exec(text) : null;
    const end = match === null ? at + 1 : at + match[0].length;
    chars.push(match === null ? text[at] : decodeOne(match));
    starts.push(at);
    ends.push(end);
    at = end;
  }
  return { decoded: chars.join(''), start: (i) => starts[i], end: (i) => ends[i - 1] };
}

/** Where `decoded` holds the token or a prefix of it of PARTIAL_MIN characters or more, as [from, to) pairs. */
function tokenRuns(decoded, token) {
  const head = token.slice(0, Math.min(PARTIAL_MIN, token.length));
  const runs = [];
  // Every start is tried, not only those after the last run: a run may begin inside another.
  for (let at = decoded.indexOf(head); at !== -1; at = decoded.indexOf(head, at + 1)) {
    let to = at + head.length;
    while (to - at < token.length && decoded[to] === token[to - at]) to += 1;
    runs.push([at, to]);
  }
  return runs;
}

/** Where `text` spells `token` in any of its forms, as sorted, disjoint [from, to) ranges. */
function tokenCuts(text, token) {
  const cuts = tokenRuns(text, token);
  for (const escape of ESCAPES.filter(([lead]) => text.includes(lead))) {
    const { decoded, start, end } = decode(text, escape);
    for (const [from, to] of tokenRuns(decoded, token)) cuts.push([start(from), end(to)]);
  }
  const merged = [];
  for (const [from, to] of cuts.sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1);
    if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

function withCutsMarked(text, cuts) {
  let out = '';
  let kept = 0;
  for (const [from, to] of cuts) {
    out += `${text.slice(kept, from)}${TOKEN_MARK}`;
    kept = to;
  }
  return out + text.slice(kept);
}

/** `text` with every spelling of `token` found replaced by TOKEN_MARK. */
function scrubToken(text, token) {
  return withCutsMarked(text, tokenCuts(text, token));
}

/**
 * The first `max` characters of `text`, scrubbed of `token` before the cut
 * (a token across it leaves no prefix). A long text is read only as far as
 * a token that starts before the kept part can reach.
 */
function scrubbedStart(text, token, max) {
  const reach = token.length * LONGEST_ESCAPE;
  if (text.length <= max + 2 * reach) return shortened(scrubToken(text, token), max);
  const window = text.slice(0, max + 2 * reach);
  const cuts = tokenCuts(window, token);
  // Kept: up to max + reach, or to the end of a cut across it. A token that
  // starts in there ends inside the window, so it was found whole.
  let end = max + reach;
  for (const [from, to] of cuts) if (from < end && to > end) end = to;
  const kept = withCutsMarked(window.slice(0, end), cuts.filter(([from]) => from < end));
  return `${kept.slice(0, max)}…`;
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
