// The inspector of `serve --ui`: a page at GET / on serve's own port that
// shows deliveries live (server-sent events), and lets you replay one to
// the forward target, copy one as curl, or compose an event and send it,
// signed here, to the forward target. Both go through serve itself (a POST
// to its own address), so they are verified again, listed, and only reach
// the forward target if they verify. The page (page.html) ships in the
// package: no CDN, it works offline.
//
// Its own endpoints live under PREFIX, so a delivery can still be a POST
// to any other path. They, and the page, answer only when:
//   - the Host header is the address serve listens on (a DNS-rebinding
//     page elsewhere cannot reach them through a name of its own);
//   - an Origin, when sent, is that address too;
//   - the per-run token, which only the page carries, comes with the
//     request (a query parameter for the event stream, a header otherwise).
// The page never gets the webhook secret or an API token: deliveries,
// samples and the target's answers only. Replay and compose only ever send
// to the forward target given on the command line.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EVENT_NAMES, sampleEvent, signPayload } from '../../dist/node.js';
import { curlCommand } from '../commands/send.js';

export const PREFIX = '/_promptfoo-webhooks/';
const TOKEN_HEADER = 'x-inspector-token';
// What the page keeps, and what a late page is sent first.
const HISTORY = 200;
// Bodies above this are listed without their text (no curl, no replay).
const KEPT_BODY_BYTES = 256 * 1024;
const MAX_COMPOSE_BYTES = 1024 * 1024;
const PAGE = new URL('./page.html', import.meta.url);
const HOP_HEADERS = /^(host|connection|content-length|transfer-encoding|keep-alive|expect|te|trailer|upgrade|proxy-connection)$/i;

/**
 * @param {{ secrets: Array<string> | undefined, forwardTo: string | undefined }} options
 *   the secrets serve verifies with (the first signs what the page composes), and its forward target
 */
export function createInspector({ secrets, forwardTo }) {
  const token = randomBytes(24).toString('hex');
  const deliveries = [];
  const streams = new Set();
  let nextId = 1;
  let origin; // http://<host>:<port> serve listens on, once it does
  let hosts = []; // the Host values the page answers to

  /** Records what serve answered, and tells every open page. */
  function record({ status, body, event, error, size, forwarded, request }) {
    const bytes = request?.body;
    const text = bytes === undefined ? undefined : typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const kept = text !== undefined && Buffer.byteLength(text) <= KEPT_BODY_BYTES;
    const delivery = {
      id: nextId++,
      time: new Date().toISOString(),
      method: request?.method ?? null,
      event: event?.event ?? null,
      verdict: event !== undefined ? 'accepted' : 'rejected',
      status,
      code: event !== undefined ? null : (error?.code ?? body?.error ?? null),
      message: event !== undefined ? null : (body?.message ?? null),
      hint: event !== undefined ? null : (error?.hint || null),
      secretIndex: event?.secretIndex ?? null,
      size: size ?? (text === undefined ? null : Buffer.byteLength(text)),
      payload: event ?? null,
      forward: forwarded === undefined ? null : { url: forwarded.url, status: forwarded.status ?? null, failure: forwarded.failure ?? null, answer: forwarded.status === undefined ? null : answerText(body) },
      // As sent, less what belongs to the connection (a replay or a curl makes its own).
      headers: (request?.headers ?? []).filter(([name]) => !HOP_HEADERS.test(name)),
      body: kept ? text : null,
    };
    // The page's "Copy as curl": the same command `send --dry-run` prints, to serve itself.
    delivery.curl = kept ? curlCommand(`${origin}/`, delivery.headers, text) : null;
    deliveries.push(delivery);
    if (deliveries.length > HISTORY) deliveries.shift();
    broadcast('delivery', delivery);
  }

  function broadcast(type, data) {
    const message = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of streams) res.write(message);
  }

  /**
   * Answers the page and its endpoints; returns false for anything else
   * (a delivery, which serve's middleware takes).
   */
  function handle(req, res) {
    const path = (req.url ?? '/').split('?')[0];
    const isPage = req.method === 'GET' && (path === '/' || path === '/index.html');
    if (!isPage && !path.startsWith(PREFIX)) return false;
    const refusal = refuse(req, { needsToken: !isPage });
    if (refusal !== undefined) {
      answerJson(res, 403, { error: 'forbidden', message: refusal });
      return true;
    }
    if (isPage) {
      servePage(res);
      return true;
    }
    const route = `${req.method} ${path.slice(PREFIX.length)}`;
    if (route === 'GET events') openStream(req, res);
    else if (route === 'POST replay') readJson(req, res, (input) => replay(input, res));
    else if (route === 'POST compose') readJson(req, res, (input) => compose(input, res));
    else answerJson(res, 404, { error: 'not_found', message: 'no such inspector endpoint' });
    return true;
  }

  /** Why a request to the page or its endpoints is refused, or undefined. */
  function refuse(req, { needsToken }) {
    if (origin === undefined) return 'not listening yet';
    if (!hosts.includes(req.headers.host)) return `the Host must be ${hosts.join(' or ')}`;
    const from = req.headers.origin;
    if (from !== undefined && !hosts.some((host) => from === `http://${host}`)) return 'requests from other origins are refused';
    if (!needsToken) return undefined;
    const given = req.headers[TOKEN_HEADER] ?? new URL(req.url, origin).searchParams.get('token') ?? '';
    const a = Buffer.from(String(given));
    const b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return 'a missing or wrong inspector token';
    return undefined;
  }

  function servePage(res) {
    const settings = {
      token,
      prefix: PREFIX,
      forwardTo: forwardTo ?? null,
      canSign: secrets !== undefined && secrets.length > 0,
      events: EVENT_NAMES,
      samples: Object.fromEntries(EVENT_NAMES.map((name) => [name, sampleEvent(name)])),
    };
    // JSON in a script element: '<' escaped, so no text in it can close the element.
    const json = JSON.stringify(settings).replace(/</g, '\\u003c');
    const html = readFileSync(PAGE, 'utf8').replace('/*SETTINGS*/null', json);
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    res.end(html);
  }

  function openStream(req, res) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(`event: history\ndata: ${JSON.stringify(deliveries)}\n\n`);
    streams.add(res);
    req.on('close', () => streams.delete(res));
  }

  async function replay({ id }, res) {
    if (forwardTo === undefined) return answerJson(res, 409, { error: 'no_forward_target', message: 'start serve with --forward-to <url> to replay' });
    const delivery = deliveries.find((d) => d.id === id);
    if (delivery === undefined) return answerJson(res, 404, { error: 'not_found', message: `no delivery ${id}` });
    if (delivery.body === null) return answerJson(res, 409, { error: 'no_body', message: 'this delivery was not kept whole' });
    const result = await throughServe(delivery.headers, delivery.body);
    answerJson(res, 200, { sent: 'replay', to: forwardTo, ...result });
  }

  async function compose({ payload }, res) {
    if (forwardTo === undefined) return answerJson(res, 409, { error: 'no_forward_target', message: 'start serve with --forward-to <url> to send' });
    if (secrets === undefined || secrets.length === 0) return answerJson(res, 409, { error: 'no_secret', message: 'start serve with --secret to sign' });
    let signed;
    try {
      signed = signPayload(payload, secrets[0]);
    } catch (error) {
      return answerJson(res, 400, { error: error.code ?? 'invalid_payload', message: error.message });
    }
    const result = await throughServe(Object.entries(signed.headers), signed.body);
    answerJson(res, 200, { sent: 'compose', to: forwardTo, curl: curlCommand(forwardTo, signed.headers, signed.body), ...result });
  }

  /** POSTs a delivery to serve itself (verified, listed, forwarded if it verifies): { status, answer } or { failure }. */
  async function throughServe(headers, body) {
    try {
      const response = await fetch(`${origin}/`, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
      return { status: response.status, answer: (await response.text()).slice(0, 2000) };
    } catch (error) {
      return { failure: String(error?.cause?.code ?? error?.message ?? error) };
    }
  }

  return {
    token,
    handle,
    record,
    /**
     * Called once serve listens: `address` is where it posts to itself, and
     * `allowedHosts` the Host values the page answers to (host:port).
     */
    listening(address, allowedHosts) {
      origin = address;
      hosts = allowedHosts;
    },
    close() {
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}

function answerText(body) {
  if (body === undefined || body === null) return null;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
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
