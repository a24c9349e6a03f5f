// The inspector of `serve --ui`: a page at GET / on serve's own port that
// shows deliveries live (server-sent events), and lets you replay one to
// the forward target, copy one as curl, or compose an event and send it,
// signed here, to the forward target. Both go through serve itself (a POST
// to its own address), so they are verified again, listed, and only reach
// the forward target if they verify. The page (page.html) ships in the
// package: no CDN, it works offline.
//
// Who may use it (docs/inspector.md, "Its access rules"): the person at
// the terminal, who got the per-run token in the one URL serve printed.
// The page and its endpoints (under PREFIX, so a delivery can still be a
// POST to any other path) answer only when:
//   - the peer is on this machine (a loopback address), unless allowRemote;
//   - the Host header is the address serve listens on (a DNS-rebinding
//     page elsewhere cannot reach them through a name of its own), unless
//     allowRemote: then any Host, as a remote browser names this machine;
//   - an Origin, when sent, is the Host the request came to;
//   - the token comes with the request: in the page's URL (the page's JS
//     reads it from there; it is never written into a page), a query
//     parameter for the event stream, a header otherwise.
// The page never gets the webhook secret, an API token, or a signature
// serve made: compose and the replay of a composed delivery send it
// themselves and say only how it went. Replay and compose only ever send to
// the forward target given on the command line.
//
// With serve --inbox, each verified delivery shows the inbox entry it was
// recorded as, and that entry's state as serve reads it back from the
// inbox (pending, done, dead, purged): told to open pages as `inbox`
// events on the same token-guarded stream, and kept in the history.
//
// Memory: anyone who reaches the port can send deliveries, so a rejected
// one is kept as metadata and a PREVIEW_BYTES preview; the history has a
// count and a byte budget (oldest out first); an event-stream client that
// stops reading is dropped (it reconnects and gets the history) rather
// than buffered for.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EVENT_NAMES, sampleEvent, SIGNATURE_HEADER, signPayload } from '../../dist/node.js';
import { curlCommand } from '../commands/send.js';

export const PREFIX = '/_promptfoo-webhooks/';
const TOKEN_HEADER = 'x-inspector-token';
// What the page keeps, and what a late page is sent first: at most this many...
const HISTORY = 200;
// ...and this many bytes (the deliveries as sent to the page, and the bodies kept for replay).
export const HISTORY_BYTES = 8 * 1024 * 1024;
// A verified body above this is listed without its text (no payload, curl or replay).
const KEPT_BODY_BYTES = 256 * 1024;
// All that is kept of a rejected body: its first bytes, to see what arrived.
export const PREVIEW_BYTES = 256;
// What an event-stream client may leave unread before it is dropped.
const STREAM_BACKLOG_BYTES = 1024 * 1024;
const MAX_COMPOSE_BYTES = 1024 * 1024;
const PAGE = new URL('./page.html', import.meta.url);
const HOP_HEADERS = /^(host|connection|content-length|transfer-encoding|keep-alive|expect|te|trailer|upgrade|proxy-connection)$/i;
const SIGNATURE = SIGNATURE_HEADER.toLowerCase();
// What "Copy as curl" carries: a delivery's own headers, as Promptfoo sends
// them (Content-Type, the signature, X-Webhook-Id), not what the client that
// sent this one added (fetch's user-agent, sec-fetch-mode, accept, ...).
const DELIVERY_HEADERS = new Set(['content-type', SIGNATURE, 'x-webhook-id']);
const HIDDEN = '(signed by serve: not shown)';
// The answer to GET / without the token. It carries no token; a tab that
// had the page (and so the token, in its sessionStorage) goes back to it
// once, so a reload works. The key is the page's (page.html).
const NO_TOKEN_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>promptfoo-webhooks inspector</title>
<p>Open the inspector at the URL <code>serve --ui</code> printed in its terminal: it carries this run's token.</p>
<script>
const key = 'promptfoo-webhooks-inspector-token';
const token = sessionStorage.getItem(key);
if (token) {
  sessionStorage.removeItem(key);
  location.replace('/?token=' + encodeURIComponent(token));
}
</script>
`;

/**
 * @param {{ secrets: Array<string> | undefined, forwardTo: string | undefined, allowRemote?: boolean,
 *   entryState?: (id: unknown) => { state: string, attempts: number | null, lastError: string | null } | undefined }} options
 *   the secrets serve verifies with (the first signs what the page composes), its forward
 *   target, whether peers not on this machine may use the inspector (--ui-allow-remote), and
 *   with an inbox, the last known state of an entry
 */
export function createInspector({ secrets, forwardTo, allowRemote = false, entryState }) {
  const inspector = { secrets, forwardTo, entryState, access: new Access(allowRemote), history: new History(), poster: new SelfPoster() };
  let nextId = 1;
  return {
    token: inspector.access.token,
    /**
     * Answers the page and its endpoints; returns false for anything else
     * (a delivery, which serve's middleware takes).
     */
    handle: (req, res) => answerInspector(inspector, req, res),
    /** Records what serve answered, and tells every open page. */
    record(answered) {
      inspector.history.add(keptDelivery(inspector, nextId++, answered));
    },
    /** An inbox entry's state changed: every delivery recorded as it shows the new one, in the history too. */
    entryChanged: (entryId, info) => inspector.history.entryChanged(entryId, entryInfo(info)),
    /**
     * Called once serve listens: `address` is where it posts to itself, and
     * `allowedHosts` the Host values the page answers to (host:port).
     */
    listening(address, allowedHosts) {
      inspector.access.origin = address;
      inspector.access.hosts = allowedHosts;
    },
    close: () => inspector.history.close(),
  };
}

/** Who may use the page and its endpoints: this run's token, the peer, the Host and the Origin. */
class Access {
  #token = randomBytes(24).toString('hex');
  /** http://<host>:<port> serve listens on, once it does. */
  origin;
  /** The Host values the page answers to. */
  hosts = [];
  #allowRemote;

  constructor(allowRemote) {
    this.#allowRemote = allowRemote;
  }

  get token() {
    return this.#token;
  }

  /** Why a request to the page or its endpoints is refused ({ status, code, message }), or undefined. */
  refusal(req, isPage) {
    if (!this.#allowRemote && !isLoopback(req.socket?.remoteAddress)) {
      return { status: 403, code: 'forbidden', message: 'the inspector answers only on this machine (serve --ui-allow-remote lets other machines in)' };
    }
    if (this.origin === undefined) return { status: 503, code: 'not_listening', message: 'not listening yet' };
    const host = req.headers.host;
    if (!this.#allowRemote && !this.hosts.includes(host)) return { status: 403, code: 'forbidden', message: `the Host must be ${this.hosts.join(' or ')}` };
    const from = req.headers.origin;
    if (from !== undefined && from !== `http://${host}`) return { status: 403, code: 'forbidden', message: 'requests from other origins are refused' };
    const query = new URL(req.url, this.origin).searchParams.get('token');
    // The page takes it from its URL only; an endpoint, from the header or (the event stream) the URL.
    const given = (isPage ? query : (req.headers[TOKEN_HEADER] ?? query)) ?? '';
    if (!this.#sameToken(String(given))) return { status: 401, code: 'unauthorized', message: 'a missing or wrong inspector token: open the URL serve printed' };
    return undefined;
  }

  /** Compares in constant time (the length is no secret: always 48). */
  #sameToken(given) {
    const a = Buffer.from(given);
    const b = Buffer.from(this.#token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** The deliveries kept (oldest first, within a count and a byte budget) and the pages told of them. */
class History {
  /** { id, json (as the page gets it), headers and body (for a replay), signedHere, entryId, cost }. */
  #kept = [];
  #bytes = 0;
  #streams = new Set();

  add(entry) {
    this.#kept.push(entry);
    this.#bytes += entry.cost;
    while (this.#kept.length > HISTORY || this.#bytes > HISTORY_BYTES) this.#bytes -= this.#kept.shift().cost;
    this.#broadcast('delivery', entry.json);
  }

  find(id) {
    return this.#kept.find((entry) => entry.id === id);
  }

  /** The deliveries recorded as inbox entry `entryId` show `info`, its new state. */
  entryChanged(entryId, info) {
    for (const entry of this.#kept) {
      if (entry.entryId !== entryId) continue;
      const delivery = JSON.parse(entry.json);
      delivery.inbox = { ...delivery.inbox, ...info };
      const json = JSON.stringify(delivery);
      this.#bytes += json.length - entry.json.length;
      entry.cost += json.length - entry.json.length;
      entry.json = json;
      this.#broadcast('inbox', JSON.stringify({ id: delivery.id, inbox: delivery.inbox }));
    }
    // A last error makes a delivery longer: the budget still holds.
    while (this.#bytes > HISTORY_BYTES) this.#bytes -= this.#kept.shift().cost;
  }

  /** An event stream for a page: the history first, then each delivery as it comes. */
  open(req, res) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    // A dropped page comes back after a second, and gets the history again.
    res.write(`retry: 1000\nevent: history\ndata: [${this.#kept.map((entry) => entry.json).join(',')}]\n\n`);
    this.#streams.add(res);
    req.on('close', () => this.#streams.delete(res));
  }

  close() {
    for (const res of this.#streams) res.end();
    this.#streams.clear();
  }

  #broadcast(type, json) {
    const message = `event: ${type}\ndata: ${json}\n\n`;
    for (const res of this.#streams) {
      // A client this far behind has stopped reading: buffering for it would grow without bound.
      if (res.writableLength > STREAM_BACKLOG_BYTES) {
        this.#streams.delete(res);
        res.destroy();
      } else {
        res.write(message);
      }
    }
  }
}

/** POSTs deliveries to serve itself, remembering the signatures serve made while their request is in flight. */
class SelfPoster {
  /** Signatures serve made for the page: counted, as two may be equal. */
  #signing = new Map();

  /** Whether serve made `signature` (for a delivery now in flight). */
  signedHere(signature) {
    return signature !== undefined && this.#signing.has(signature);
  }

  /**
   * POSTs a delivery to serve at `origin` (verified, listed, forwarded if it verifies): { status, answer } or { failure }.
   * `signedHere` is the signature serve made for it, if it did: hidden from what the page gets.
   */
  async post(origin, headers, body, signedHere) {
    if (signedHere !== undefined) this.#signing.set(signedHere, (this.#signing.get(signedHere) ?? 0) + 1);
    try {
      const response = await fetch(`${origin}/`, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
      const answer = await response.text();
      return { status: response.status, answer: shorten(signedHere === undefined ? answer : hideSignature(answer, signedHere)) };
    } catch (error) {
      return { failure: String(error?.cause?.code ?? error?.message ?? error) };
    } finally {
      if (signedHere !== undefined) {
        const left = this.#signing.get(signedHere) - 1;
        if (left === 0) this.#signing.delete(signedHere);
        else this.#signing.set(signedHere, left);
      }
    }
  }
}

/**
 * What the history keeps of an answer serve gave (flow.js's onAnswer): the
 * delivery as the page shows it (`json`), and for a replay its headers and,
 * when it verified and is small, its body.
 */
function keptDelivery({ poster, access, entryState }, id, { status, body, event, error, size, forwarded, request, entry: recordedAs }) {
  const accepted = event !== undefined;
  const bytes = bytesOf(request?.body);
  // As sent, less what belongs to the connection (a replay or a curl makes its own).
  const headers = (request?.headers ?? []).filter(([name]) => !HOP_HEADERS.test(name));
  const signature = headers.find(([name]) => name.toLowerCase() === SIGNATURE)?.[1];
  const signedHere = poster.signedHere(signature);
  // Only a verified body is kept, and only a small one: anyone can send a rejected one.
  const whole = accepted && bytes !== undefined && bytes.length <= KEPT_BODY_BYTES ? bytes.toString('utf8') : undefined;
  // The target's answer, less the signature when serve made it (a target may echo what it got).
  let answer = forwarded?.status === undefined ? null : answerText(body);
  if (answer !== null) answer = shorten(signedHere ? hideSignature(answer, signature) : answer);
  const delivery = {
    id,
    time: new Date().toISOString(),
    method: request?.method ?? null,
    event: event?.event ?? null,
    verdict: accepted ? 'accepted' : 'rejected',
    status,
    code: accepted ? null : (error?.code ?? body?.error ?? null),
    message: accepted ? null : (body?.message ?? null),
    hint: accepted ? null : (error?.hint || null),
    secretIndex: event?.secretIndex ?? null,
    size: size ?? bytes?.length ?? null,
    payload: whole === undefined ? null : event,
    preview: accepted || bytes === undefined ? null : bytes.subarray(0, PREVIEW_BYTES).toString('utf8'),
    // The target's answer, apart from serve's verdict: a verified delivery the target refused is both.
    forward: forwarded === undefined ? null : { url: forwarded.url, status: forwarded.status ?? null, code: forwarded.status === undefined ? null : errorCodeOf(body), failure: forwarded.failure ?? null, answer },
    // The inbox entry it was recorded as (serve --inbox), and what became of it.
    inbox: recordedAs === undefined ? null : { entryId: recordedAs.id, duplicate: recordedAs.duplicate, ...entryInfo(entryState?.(recordedAs.id)) },
    replayable: whole !== undefined,
    // The page's "Copy as curl": the same command `send --dry-run` prints, to serve itself;
    // none for what serve signed, as it would carry the signature.
    curl: whole === undefined || signedHere ? null : curlCommand(`${access.origin}/`, headers.filter(([name]) => DELIVERY_HEADERS.has(name.toLowerCase())), whole),
  };
  const json = JSON.stringify(delivery);
  return { id, json, headers, body: whole, signedHere, entryId: recordedAs?.id, cost: json.length + (whole?.length ?? 0) };
}

/** Answers a request for the page or one of its endpoints, and says whether it was one. */
function answerInspector(inspector, req, res) {
  const path = (req.url ?? '/').split('?')[0];
  const isPage = req.method === 'GET' && (path === '/' || path === '/index.html');
  if (!isPage && !path.startsWith(PREFIX)) return false;
  const refusal = inspector.access.refusal(req, isPage);
  if (refusal !== undefined) {
    if (isPage && refusal.status === 401) answerPage(res, 401, NO_TOKEN_PAGE);
    else answerJson(res, refusal.status, { error: refusal.code, message: refusal.message });
    return true;
  }
  if (isPage) {
    servePage(inspector, res);
    return true;
  }
  const route = `${req.method} ${path.slice(PREFIX.length)}`;
  if (route === 'GET events') inspector.history.open(req, res);
  else if (route === 'POST replay') readJson(req, res, (input) => replay(inspector, input, res));
  else if (route === 'POST compose') readJson(req, res, (input) => compose(inspector, input, res));
  else answerJson(res, 404, { error: 'not_found', message: 'no such inspector endpoint' });
  return true;
}

function servePage({ forwardTo, entryState, secrets }, res) {
  // No token here: the page reads it from its own URL.
  const settings = {
    prefix: PREFIX,
    forwardTo: forwardTo ?? null,
    inbox: entryState !== undefined,
    canSign: secrets !== undefined && secrets.length > 0,
    previewBytes: PREVIEW_BYTES,
    events: EVENT_NAMES,
    samples: Object.fromEntries(EVENT_NAMES.map((name) => [name, sampleEvent(name)])),
  };
  // JSON in a script element: '<' escaped, so no text in it can close the element.
  const json = JSON.stringify(settings).replace(/</g, '\\u003c');
  answerPage(res, 200, readFileSync(PAGE, 'utf8').replace('/*SETTINGS*/null', json));
}

/** Sends a kept delivery again, through serve, to the forward target. */
async function replay({ forwardTo, history, poster, access }, { id }, res) {
  if (forwardTo === undefined) return answerJson(res, 409, { error: 'no_forward_target', message: 'start serve with --forward-to <url> to replay' });
  const entry = history.find(id);
  if (entry === undefined) return answerJson(res, 404, { error: 'not_found', message: `no delivery ${id}` });
  if (entry.body === undefined) return answerJson(res, 409, { error: 'no_body', message: 'this delivery was not kept whole' });
  const signature = entry.signedHere ? entry.headers.find(([name]) => name.toLowerCase() === SIGNATURE)[1] : undefined;
  const result = await poster.post(access.origin, entry.headers, entry.body, signature);
  answerJson(res, 200, { sent: 'replay', to: forwardTo, ...result });
}

/** Signs the page's payload with the first secret and sends it, through serve, to the forward target. */
async function compose({ forwardTo, secrets, poster, access }, { payload }, res) {
  if (forwardTo === undefined) return answerJson(res, 409, { error: 'no_forward_target', message: 'start serve with --forward-to <url> to send' });
  if (secrets === undefined || secrets.length === 0) return answerJson(res, 409, { error: 'no_secret', message: 'start serve with --secret to sign' });
  let signed;
  try {
    signed = signPayload(payload, secrets[0]);
  } catch (error) {
    return answerJson(res, 400, { error: error.code ?? 'invalid_payload', message: error.message });
  }
  // How it went, and nothing that would let the page sign: no signature, no curl.
  const result = await poster.post(access.origin, Object.entries(signed.headers), signed.body, signed.headers[SIGNATURE_HEADER]);
  answerJson(res, 200, { sent: 'compose', to: forwardTo, ...result });
}

/** What the page shows of an entry's state (unknown until serve has read it). */
function entryInfo(info) {
  return { state: info?.state ?? 'unknown', attempts: info?.attempts ?? null, lastError: info?.lastError ?? null };
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
function isLoopback(address) {
  return typeof address === 'string' && (address === '::1' || /^(::ffff:)?127\./i.test(address));
}

/** A request body as bytes, or undefined when it was not read. */
function bytesOf(body) {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** `text` without `signature`: serve's own, so hex (and found in capitals too). */
function hideSignature(text, signature) {
  return text.replace(new RegExp(signature, 'gi'), HIDDEN);
}

/** At most 2000 characters of `text`. */
function shorten(text) {
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/** The `error` code of a JSON answer (the target's, when forwarded), or null. */
function errorCodeOf(body) {
  let answer = body;
  if (typeof body === 'string') {
    try {
      answer = JSON.parse(body);
    } catch {
      return null;
    }
  }
  const code = answer?.error ?? answer?.code;
  return typeof code === 'string' ? code : null;
}

function answerText(body) {
  if (body === undefined || body === null) return null;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function answerPage(res, status, html) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(html);
}

function answerJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The request's JSON object, bounded; a bad one is a 400. */
function readJson(req, res, use) {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_COMPOSE_BYTES) {
      answerJson(res, 413, { error: 'too_large', message: `at most ${MAX_COMPOSE_BYTES} bytes` });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    let input;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answerJson(res, 400, { error: 'invalid_json', message: 'the request body must be JSON' });
    }
    if (typeof input !== 'object' || input === null) return answerJson(res, 400, { error: 'invalid_json', message: 'the request body must be a JSON object' });
    Promise.resolve(use(input)).catch((error) => answerJson(res, 500, { error: 'internal_error', message: String(error?.message ?? error) }));
  });
}
