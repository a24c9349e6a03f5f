// Forwarding a verified delivery (the adapters' `forwardTo` option, and so
// the CLI's `serve --forward-to`): its exact bytes and its headers, the
// X-Promptfoo-Signature included, POSTed to the target, whose answer (status,
// body, Content-Type) becomes the answer to the sender, or, from an inbox,
// decides whether the entry is done. Only deliveries that verified get here.

import { readBounded } from '../core/body.js';
import { DELIVERY_TIMEOUT_SECONDS } from '../generated/contract.js';

// The target's answer is relayed, so it is read whole: bounded.
const MAX_ANSWER_BYTES = 1024 * 1024;
// Headers about this hop, not the delivery: fetch sets its own.
const HOP_HEADERS = new Set([
  'connection',
  'content-length',
  'expect',
  'host',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** `forwardTo` as given (a string or URL) as an http(s) href; `invalid()` makes the error otherwise. */
export function forwardTarget(value, invalid) {
  if (typeof value !== 'string' && !(value instanceof URL)) throw invalid();
  let url;
  try {
    url = new URL(value);
  } catch {
    throw invalid();
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid();
  return url.href;
}

/**
 * POSTs `bytes` with `headers` (`[name, value]` pairs, as received) to
 * `url`, as Promptfoo would: no redirect followed, the delivery timeout.
 * Resolves to the target's answer, `{ status, bytes, headers }`, or to
 * `{ failure }` saying why there is none (the flow answers 502
 * forward_failed then).
 */
export async function forward(url, headers, bytes) {
  const sent = endToEndHeaders(headers);
  const signal = AbortSignal.timeout(DELIVERY_TIMEOUT_SECONDS * 1000);
  const TOO_LARGE = Symbol('too large');
  try {
    const response = await post(url, sent, bytes, signal);
    const answer = await readBounded(response.body, MAX_ANSWER_BYTES, () => TOO_LARGE);
    const contentType = response.headers.get('content-type');
    return { status: response.status, bytes: answer, headers: contentType === null ? {} : { 'Content-Type': contentType } };
  } catch (error) {
    if (error === TOO_LARGE) return { failure: `${url} answered more than ${MAX_ANSWER_BYTES} bytes` };
    const reason = signal.aborted ? `no answer within ${DELIVERY_TIMEOUT_SECONDS} s` : (error?.cause?.code ?? error?.cause?.message ?? error?.message);
    return { failure: `${url}: ${reason}` };
  }
}

/**
 * The received headers without those about the hop: the standard ones, and
 * any the sender named in its Connection header (RFC 9110, 7.6.1).
 */
function endToEndHeaders(headers) {
  const hop = new Set(HOP_HEADERS);
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const token of String(value).split(',')) hop.add(token.trim().toLowerCase());
  }
  return headers.filter(([name]) => !hop.has(name.toLowerCase()));
}

/**
 * POSTs exactly `headers` and `bytes`, without following a redirect: a
 * Response-like `{ status, headers.get, body }`. In Node, through node:http
 * (its fetch adds accept, accept-language, accept-encoding, user-agent and
 * sec-fetch-mode, which the sender never sent); elsewhere, fetch.
 */
function post(url, headers, bytes, signal) {
  const builtin = globalThis.process?.getBuiltinModule;
  if (typeof builtin !== 'function') {
    const sent = new Headers();
    for (const [name, value] of headers) sent.append(name, value);
    return fetch(url, { method: 'POST', headers: sent, body: bytes, redirect: 'manual', signal });
  }
  const { request } = builtin(url.startsWith('https:') ? 'node:https' : 'node:http');
  const { Readable } = builtin('node:stream');
  return new Promise((resolve, reject) => {
    // A connection per delivery (agent: false): a kept-alive one the target has closed would fail it.
    const outgoing = request(url, { method: 'POST', headers: headerObject(headers), signal, agent: false }, (response) => {
      resolve({
        status: response.statusCode,
        headers: { get: (name) => headerText(response.headers[name]) ?? null },
        body: Readable.toWeb(response),
      });
    });
    outgoing.on('error', reject);
    outgoing.end(bytes);
  });
}

/** `[name, value]` pairs as Node's headers object: a repeated header as an array, in order. */
function headerObject(pairs) {
  const object = Object.create(null); // a header named __proto__ is a header
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    object[key] = object[key] === undefined ? value : [object[key], value].flat();
  }
  return object;
}

function headerText(value) {
  return Array.isArray(value) ? value.join(', ') : value;
}
