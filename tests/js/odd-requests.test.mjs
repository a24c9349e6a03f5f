// One odd HTTP request must never end the receiver. Every HTTP surface
// (node:http as the README's quick start, with a path and with a router;
// Express 4 and 5, as the route and as app.use with a path; the Fastify 5
// and Koa 3 recipes; the CLI's `serve` and `serve --ui`; createFetchHandler
// in real workerd, with a path and without) gets odd request lines, headers
// and bodies over raw TCP (node:net: an HTTP client would refuse or tidy
// them). Each one gets an HTTP/1.1 answer (Node's or workerd's own 400 for
// what their parsers refuse is one), unless the client closed first; no
// unhandled rejection or uncaught exception; and after all of them the
// receiver still runs and accepts a valid signed delivery with 200. The
// in-process surfaces run in a child process (support/odd-requests-server.mjs),
// so that a crash is the child exiting. A security review found that
// `POST http://a:99999/hook HTTP/1.1` ended the node:http quick start,
// Express 4 and `serve` (pathnameOf's `new URL` threw in the middleware).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createFetchHandler, createNodeMiddleware, sampleEvent, sign, signPayload, SIGNATURE_HEADER } from 'promptfoo-webhooks';
import { start as startCli } from './support/cli.mjs';
import { bundleWorker, freePort, startWorkerd, workerdConfig } from './support/workerd.mjs';

const FIXTURE = fileURLToPath(new URL('./support/odd-requests-server.mjs', import.meta.url));
const WORKER_ENTRY = fileURLToPath(new URL('./support/odd-requests-worker.js', import.meta.url));
const FATAL_MARKER = 'ODD-REQUESTS-FATAL'; // what the fixture prints for an unhandled rejection or an uncaught exception
const SECRET = randomBytes(32).toString('hex'); // hex: no escaping in the capnp config
const OTHER_SECRET = randomBytes(32).toString('hex'); // `serve --webhook-secret hook-a=...`
const PATH = '/webhooks/promptfoo'; // where every surface with a path listens
const BAD_TARGETS = ['http://a:99999/hook', 'http://[::1/hook', 'http://%zz/hook', 'http://a:b@c:-1/', 'http://xn--/'];
// Every request here is complete (or the client closed): its answer is due at
// once. 3 s leaves room for a loaded machine; the largest body takes ~50 ms.
const ANSWER_TIMEOUT_MS = 3000;
const NO_ANSWER = `no answer within ${ANSWER_TIMEOUT_MS} ms`;
const STARTUP_TIMEOUT_MS = 20_000;
const FAULT_HEADER = 'x-odd-requests-fault'; // the test Worker's answer when the fetch handler failed

// ------------------------------------------------------------ a raw HTTP/1.1 client

const CRLF = Buffer.from('\r\n');

/** The bytes of a request: its line, its headers (`[name, value]`, a value as latin1 text or bytes), its body. */
function rawRequest(line, headers, body = '') {
  const parts = [Buffer.from(line, 'latin1'), CRLF];
  for (const [name, value] of headers) parts.push(Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'), CRLF);
  parts.push(CRLF, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
  return Buffer.concat(parts);
}

/**
 * The first final answer in what the server sent: `{ status, head }`, an
 * `{ outcome }` saying what came instead, or undefined while incomplete.
 * Interim 1xx answers (100 Continue) are skipped. An HTTP/1.0 answer counts
 * only for an HTTP/1.0 request (`http10`), as workerd answers one.
 */
function answerIn(received, http10) {
  let offset = 0;
  for (;;) {
    const end = received.indexOf('\r\n\r\n', offset);
    if (end === -1) return undefined;
    const head = received.subarray(offset, end).toString('latin1');
    const [, version, status] = /^HTTP\/(1\.[01]) (\d{3})(?: |\r|$)/.exec(head) ?? [];
    if (status === undefined || (version === '1.0' && !http10)) return { outcome: `not an HTTP/1.1 answer: ${JSON.stringify(head.slice(0, 80))}` };
    if (status.startsWith('1') && status !== '101') {
      offset = end + 4;
      continue;
    }
    return { outcome: 'answered', status: Number(status), head };
  }
}

/**
 * Sends `bytes` on a new connection to 127.0.0.1:`port`, then, by `then`:
 * 'wait' for the answer; 'end' half-closes first (a body cut short); 'destroy'
 * closes the connection at once (the client gone mid-body). Resolves with
 * `{ outcome: 'answered', status, head }` or `{ outcome }` saying what happened instead.
 */
function exchange(port, bytes, then = 'wait') {
  const http10 = /^[^\r\n]* HTTP\/1\.0\r\n/.test(bytes.toString('latin1', 0, 16 * 1024));
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ outcome: NO_ANSWER }), ANSWER_TIMEOUT_MS);
    socket.on('connect', () => {
      if (then === 'destroy') return socket.write(bytes, () => finish({ outcome: 'the client closed first' }));
      socket.write(bytes);
      if (then === 'end') socket.end();
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const answer = answerIn(received, http10);
      if (answer !== undefined) finish(answer);
    });
    const closed = (how) => () =>
      finish(answerIn(received, http10) ?? { outcome: received.length === 0 ? `${how} without an answer` : `${how} after ${JSON.stringify(received.toString('latin1').slice(0, 80))}` });
    socket.on('error', (error) => closed(`connection error ${error.code}`)());
    socket.on('close', closed('closed'));
  });
}

/** What is wrong with `result` for `input` sent to `surface`, or undefined. */
function problemWith(input, result, surface) {
  if (input.then === 'destroy') return undefined; // the client left: nobody to answer
  if (surface.closesOn?.includes(input.name) && result.outcome.startsWith('closed')) return undefined;
  if (result.outcome === 'answered') {
    const fault = new RegExp(`^${FAULT_HEADER}: (.*)$`, 'im').exec(result.head);
    return fault === null ? undefined : `the fetch handler failed: ${decodeURIComponent(fault[1])}`;
  }
  // The client half-closed mid-body: closing without an answer is fine, hanging is not.
  if (input.then === 'end' && result.outcome !== NO_ANSWER) return undefined;
  return result.outcome;
}

// ------------------------------------------------------------ the odd inputs

/** A request named for the report: `{ name, bytes, then }`. */
const input = (name, bytes, then = 'wait') => ({ name, bytes, then });

/**
 * Every odd request for a receiver at `host` whose webhook path is `path`.
 * Bodies are signed with the receiver's secret where that gets them further
 * (past the signature check, into the JSON parser).
 */
function oddInputs({ host, path }) {
  const good = signPayload(sampleEvent('issue.created'), SECRET);
  const json = ['Content-Type', 'application/json'];
  const signed = (body) => [SIGNATURE_HEADER, sign(body, SECRET)];
  const length = (body) => ['Content-Length', String(Buffer.byteLength(body))];
  /** A POST of `body` to `target`: Host, JSON, the body's signature and length unless `headers` replace them. */
  const post = (target, { body = good.body, headers = [json, signed(body), length(body)], method = 'POST', version = 'HTTP/1.1' } = {}) =>
    rawRequest(`${method} ${target} ${version}`, [['Host', host], ...headers], body);
  const withHeaders = (...extra) => post(path, { headers: [json, signed(good.body), length(good.body), ...extra] });
  const signedBody = (name, body) => input(name, post(path, { body }));

  const inputs = [];
  // Request targets: absolute-form with a bad port, host, escape, userinfo or IDNA label; asterisk-form; junk.
  for (const target of BAD_TARGETS) {
    inputs.push(input(`POST ${target}`, post(target)));
    const onPath = target.replace(/\/(hook)?$/, path);
    inputs.push(input(`POST ${onPath}`, post(onPath)));
    inputs.push(input(`GET ${target}`, post(target, { method: 'GET' })));
  }
  for (const target of ['*', 'http://h', 'https://a:0?x', 'HTTP://A:99999' + path, `//a:99999${path}`, 'mailto:x', 'http:' + path, '\\\\a\\hook', `${path}/..%2f..%2f`, `${path}?%zz#%zz`, '/%zz', '/%00', `${path}#`]) {
    inputs.push(input(`POST ${target}`, post(target)));
  }
  inputs.push(input('OPTIONS *', rawRequest('OPTIONS * HTTP/1.1', [['Host', host]])));
  inputs.push(input('CONNECT to an authority', rawRequest('CONNECT 127.0.0.1:1 HTTP/1.1', [['Host', '127.0.0.1:1']])));
  inputs.push(input('CONNECT to the path', post(path, { method: 'CONNECT' })));
  inputs.push(input('GET *', rawRequest('GET * HTTP/1.1', [['Host', host]])));
  inputs.push(input('a path of 8 KB', post(`${path}/${'a'.repeat(8192)}`)));
  inputs.push(input('a query of 8 KB', post(`${path}?${'%zz'.repeat(2731)}`)));
  inputs.push(input('a NUL in the target', post(`${path}\0x`)));
  inputs.push(input('a bare CR in the target', post(`${path}\rx`)));
  inputs.push(input('a bare LF in the target', post(`${path}\nx`)));
  inputs.push(input('a space in the target', post(`${path} x`)));
  inputs.push(input('a latin1 byte in the target', post(`${path}\xe9`)));

  // Methods: empty, huge, lower-case, unknown, with spaces, and the usual others with a body.
  for (const method of ['', 'A'.repeat(10_000), 'post', 'BREW', 'PO ST', 'POST\t', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'OPTIONS', 'PROPFIND', 'QUERY', 'SEARCH']) {
    inputs.push(input(`method ${JSON.stringify(method.slice(0, 12))}${method.length > 12 ? `... (${method.length})` : ''}`, post(path, { method })));
  }
  for (const version of ['HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'http/1.1', 'HTTP/1.1 x', '']) {
    inputs.push(input(`version ${JSON.stringify(version)}`, post(path, { version })));
  }
  inputs.push(input('HTTP/1.0 without Host', rawRequest(`POST ${path} HTTP/1.0`, [json, signed(good.body), length(good.body)], good.body)));
  inputs.push(input('HTTP/1.1 without Host', rawRequest(`POST ${path} HTTP/1.1`, [json, signed(good.body), length(good.body)], good.body)));
  inputs.push(input('the HTTP/2 preface', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')));
  inputs.push(input('only a CRLF', Buffer.from('\r\n', 'latin1'), 'end'));
  inputs.push(input('TLS bytes', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00])));

  // Content-Length: repeated, conflicting, with junk; Transfer-Encoding: bad chunks, with a Content-Length.
  const n = String(Buffer.byteLength(good.body));
  for (const values of [[n, n], [n, '0'], [`${n}x`], [`-${n}`], [`+${n}`], [` ${n} `], [`${n}, ${n}`], ['0x10'], ['1e3'], ['99999999999999999999999'], ['']]) {
    inputs.push(input(`Content-Length ${JSON.stringify(values)}`, post(path, { headers: [json, signed(good.body), ...values.map((v) => ['Content-Length', v])] })));
  }
  const chunked = (name, chunks, extra = [], then = 'wait') =>
    input(name, post(path, { body: chunks, headers: [json, signed(good.body), ['Transfer-Encoding', 'chunked'], ...extra] }), then);
  const goodChunks = `${Buffer.byteLength(good.body).toString(16)}\r\n${good.body}\r\n0\r\n\r\n`;
  inputs.push(chunked('chunked, well formed', goodChunks));
  for (const size of ['zz', '-1', 'ffffffffffffffffffffffff', '5 ;', '5;ext="\x01"', '', '0x5', '5\r\nabc']) {
    inputs.push(chunked(`chunked, chunk size ${JSON.stringify(size)}`, `${size}\r\nabcde\r\n0\r\n\r\n`));
  }
  inputs.push(chunked('chunked, no final chunk, then a close', `5\r\nabcde\r\n`, [], 'end'));
  inputs.push(chunked('chunked and Content-Length', goodChunks, [length(goodChunks)]));
  inputs.push(input('Transfer-Encoding gzip', post(path, { headers: [json, signed(good.body), ['Transfer-Encoding', 'gzip']] })));
  inputs.push(input('Transfer-Encoding chunked twice', post(path, { body: goodChunks, headers: [json, signed(good.body), ['Transfer-Encoding', 'chunked'], ['Transfer-Encoding', 'chunked']] })));
  inputs.push(input('Transfer-Encoding "chunked, identity"', post(path, { body: goodChunks, headers: [json, signed(good.body), ['Transfer-Encoding', 'chunked, identity']] })));
  inputs.push(input('a body shorter than declared, then a close', post(path, { headers: [json, signed(good.body), ['Content-Length', String(Buffer.byteLength(good.body) + 100)]] }), 'end'));
  inputs.push(input('a body longer than declared', post(path, { body: `${good.body}${'x'.repeat(100)}`, headers: [json, signed(good.body), length(good.body)] })));
  inputs.push(input('a valid delivery and junk pipelined', Buffer.concat([post(path), Buffer.from('\x00\x01 garbage\r\n\r\n', 'latin1')])));
  const large = `{"pad":"${'x'.repeat(1 << 20)}"}`;
  inputs.push(input('the client closes mid-body', post(path, { body: large.slice(0, 64 * 1024), headers: [json, signed(large), length(large)] }), 'destroy'));
  inputs.push(input('the client closes after the head', post(path, { body: '', headers: [json, signed(large), length(large)] }), 'destroy'));

  // Header values: obs-fold, latin1 and UTF-8 bytes, huge; odd signatures, webhook ids, content types.
  inputs.push(input('an obs-fold header', withHeaders(['X-Folded', 'a\r\n b'])));
  inputs.push(input('an obs-folded signature', post(path, { headers: [json, [SIGNATURE_HEADER, `${sign(good.body, SECRET).slice(0, 10)}\r\n ${sign(good.body, SECRET).slice(10)}`], length(good.body)] })));
  inputs.push(input('an obs-folded Content-Type', post(path, { headers: [['Content-Type', 'application/\r\n json'], signed(good.body), length(good.body)] })));
  inputs.push(input('a latin1 header value', withHeaders(['X-Note', Buffer.from('caf\xe9', 'latin1')])));
  inputs.push(input('a UTF-8 header value', withHeaders(['X-Note', Buffer.from('café ☕', 'utf8')])));
  inputs.push(input('a NUL in a header value', withHeaders(['X-Note', 'a\0b'])));
  inputs.push(input('a header name with a space', withHeaders(['X Note', 'a'])));
  inputs.push(input('a header without a colon', rawRequest(`POST ${path} HTTP/1.1`, [['Host', host], json, signed(good.body), length(good.body), ['X-Broken\r\nNoColon', 'x']], good.body)));
  inputs.push(input('a header of 10 KB', withHeaders(['X-Large', 'a'.repeat(10 * 1024)])));
  inputs.push(input('headers of 80 KB', withHeaders(...Array.from({ length: 10 }, (_, i) => [`X-Large-${i}`, 'a'.repeat(8 * 1024)]))));
  inputs.push(input('2500 headers', withHeaders(...Array.from({ length: 2500 }, (_, i) => [`X-H${i}`, 'v']))));
  inputs.push(input('Expect: 100-continue', withHeaders(['Expect', '100-continue'])));
  inputs.push(input('Expect: junk', withHeaders(['Expect', 'junk'])));
  inputs.push(input('Connection: Upgrade', withHeaders(['Connection', 'Upgrade'], ['Upgrade', 'websocket'])));
  inputs.push(input('Connection: close', withHeaders(['Connection', 'close'])));
  inputs.push(input('two Host headers', withHeaders(['Host', 'evil.example'])));
  inputs.push(input('a Host with a bad port', rawRequest(`POST ${path} HTTP/1.1`, [['Host', 'a:99999'], json, signed(good.body), length(good.body)], good.body)));
  inputs.push(input('an empty Host', rawRequest(`POST ${path} HTTP/1.1`, [['Host', ''], json, signed(good.body), length(good.body)], good.body)));
  inputs.push(input('a Host of [::1', rawRequest(`POST ${path} HTTP/1.1`, [['Host', '[::1'], json, signed(good.body), length(good.body)], good.body)));
  const signature = sign(good.body, SECRET);
  for (const [name, values] of [
    ['empty', ['']],
    ['repeated', [signature, signature]],
    ['repeated, one wrong', [signature, '0'.repeat(64)]],
    ['of 10 KB', ['a'.repeat(10 * 1024)]],
    ['not hex', ['z'.repeat(64)]],
    ['upper-case', [signature.toUpperCase()]],
    ['with sha256=', [`sha256=${signature}`]],
    ['padded', [`  ${signature}  `]],
    ['multibyte', [Buffer.from('é'.repeat(32), 'utf8')]],
    ['latin1', [Buffer.from('\xe9'.repeat(64), 'latin1')]],
  ]) {
    inputs.push(input(`a signature header ${name}`, post(path, { headers: [json, length(good.body), ...values.map((v) => [SIGNATURE_HEADER, v])] })));
  }
  for (const [name, values] of [
    ['repeated', ['hook-a', 'hook-a']],
    ['repeated, different', ['hook-a', 'hook-b']],
    ['empty', ['']],
    ['__proto__', ['__proto__']],
    ['constructor', ['constructor']],
    ['of 10 KB', ['w'.repeat(10 * 1024)]],
    ['latin1', [Buffer.from('\xe9', 'latin1')]],
  ]) {
    inputs.push(input(`X-Webhook-Id ${name}`, withHeaders(...values.map((v) => ['X-Webhook-Id', v]))));
  }
  for (const values of [
    ['application/json', 'application/json'],
    ['application/json', 'text/plain'],
    ['text/plain', 'application/json'],
    [''],
    ['APPLICATION/JSON'],
    ['application/json;;;charset=""'],
    ['application/json; charset=latin1'],
    ['application/x+json'],
    ['application/ json'],
    ['multipart/form-data; boundary=x'],
    ['application/x-www-form-urlencoded'],
    [Buffer.from('application/json; charset=\xe9', 'latin1')],
    [],
  ]) {
    inputs.push(input(`Content-Type ${JSON.stringify(values.map(String))}`, post(path, { headers: [...values.map((v) => ['Content-Type', v]), signed(good.body), length(good.body)] })));
  }

  // Bodies, signed so they reach the JSON parser: invalid, deep, large, not UTF-8.
  const event = JSON.parse(good.body);
  for (const [name, body] of [
    ['an empty body', ''],
    ['invalid JSON', '{"event":'],
    ['JSON null', 'null'],
    ['a JSON string', '"issue.created"'],
    ['1e999', '1e999'],
    ['a lone surrogate', `{"event":"\\ud800","timestamp":"${event.timestamp}","data":{}}`],
    ['duplicate keys', `{"event":"issue.created","event":"x",${good.body.slice(1)}`],
    ['a BOM first', `\ufeff${good.body}`],
    ['arrays nested 100 000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['objects nested 50 000 deep', `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`],
    // A member added inside `data` (the body ends with the `}}` of data and of the envelope).
    ['a valid delivery nested 10 000 deep', `${good.body.slice(0, -2)},"deep":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}}`],
    ['a 1 MiB delivery', JSON.stringify({ ...event, data: { ...event.data, padding: 'x'.repeat(1 << 20) } })],
    ['100 000 keys', `{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"event":"issue.created","timestamp":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","data":{}}')])],
    ['1 MiB of random bytes', randomBytes(1 << 20)],
  ]) {
    inputs.push(signedBody(`${name}, signed`, body));
  }
  inputs.push(input('1 MiB of invalid JSON, unsigned', post(path, { body: `{${'x'.repeat(1 << 20)}`, headers: [json, length(`{${'x'.repeat(1 << 20)}`)] })));
  return inputs;
}

/**
 * Request heads fast-check makes up: a method, target and version from odd
 * pieces, headers of odd names and bytes; a body only with its length (so
 * the server never waits for one). Fixed seed: the same heads every run.
 */
function generatedHeads({ host, path }) {
  const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,10}$/);
  const bytes = (maxLength) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b).toString('latin1'));
  const method = fc.oneof(fc.constantFrom('POST', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'post', ''), token);
  const target = fc.oneof(
    fc.constantFrom(path, '*', '/', ...BAD_TARGETS),
    fc.tuple(fc.constantFrom('http://', 'https://', 'HTTP://', 'x:', '//', ''), fc.stringMatching(/^[a-z0-9:@[\]%.-]{0,12}$/), fc.constantFrom(path, '/', '', '?x', '#')).map((parts) => parts.join('')),
    fc.stringMatching(/^\/[\x21-\x7e]{0,30}$/),
    bytes(20),
  );
  const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/1.1', 'HTTP/2', 'HTTP/1.1 ', '');
  const name = fc.oneof(fc.constantFrom('Content-Type', SIGNATURE_HEADER, 'X-Webhook-Id', 'Host', 'Connection', 'Upgrade', 'Expect', 'Origin'), token, bytes(6));
  const value = fc.oneof(fc.constantFrom('application/json', 'text/plain', '100-continue', 'close', 'Upgrade', ''), bytes(30));
  const head = fc.record({
    method,
    target,
    version,
    host: fc.boolean(),
    headers: fc.array(fc.tuple(name, value), { maxLength: 6 }),
    body: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
  });
  return head.map(({ method, target, version, host: withHost, headers, body }) => {
    // A made-up header that sets a body length would leave the server waiting for that body.
    const kept = headers.filter(([n]) => !/^\s*(content-length|transfer-encoding)\s*$/i.test(n));
    const all = [...(withHost ? [['Host', host]] : []), ...kept, ...(body === undefined ? [] : [['Content-Length', String(body.length)]])];
    return rawRequest(`${method} ${target} ${version}`, all, body === undefined ? '' : Buffer.from(body));
  });
}

// ------------------------------------------------------------ the surfaces

/** Resolves with the first match of `pattern` in what `read()` returns, as `streams` print it; rejects if `exited` comes first. */
function waitFor(streams, read, pattern, exited, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} printed no ${pattern} within ${STARTUP_TIMEOUT_MS} ms:\n${read()}`)), STARTUP_TIMEOUT_MS);
    const check = () => {
      const match = pattern.exec(read());
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    for (const stream of streams) stream.on('data', check);
    check();
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before listening:\n${read()}`));
    });
  });
}

// What the fixture prints for an unhandled rejection or an uncaught exception,
// and what Node prints for one when nothing handles it (the CLI).
const FATAL_OUTPUT = new RegExp(`${FATAL_MARKER}|unhandledRejection|uncaughtException|UnhandledPromiseRejection`);

/** A child process as a surface: its port, and faults = it exited, or printed a fatal line. */
function childSurface(child, port, path, output) {
  let exit;
  child.on('exit', (code, signal) => (exit = code ?? signal));
  return {
    port,
    path,
    host: `127.0.0.1:${port}`,
    // node:http closes a CONNECT without an answer when the server has no 'connect' listener (its documented default).
    closesOn: ['CONNECT to an authority', 'CONNECT to the path'],
    faults() {
      const faults = output()
        .split('\n')
        .filter((line) => FATAL_OUTPUT.test(line));
      if (exit !== undefined) faults.push(`the process exited (${exit}):\n${output().slice(-2000)}`);
      return faults;
    },
    async stop() {
      if (exit !== undefined) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The fixture for an in-process surface (support/odd-requests-server.mjs), in a child process. */
async function startFixture(surface) {
  const child = spawn(process.execPath, [FIXTURE, surface], { env: { ...process.env, PROMPTFOO_WEBHOOK_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', (text) => (output += text));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    const [, port, path] = await waitFor([child.stdout], () => output, /^LISTENING (\d+) (\S+)$/m, exited, surface);
    return childSurface(child, Number(port), path, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** `serve` (with `args`) as the CLI runs: any path is a delivery. With --ui, `token` is the inspector's, from the URL serve prints. */
async function startServe(args) {
  const child = startCli(['serve', '--port', '0', '--secret', SECRET, '--webhook-secret', `hook-a=${OTHER_SECRET}`, ...args]);
  const output = () => child.output.stdout + child.output.stderr;
  const ready = args.includes('--ui') ? /Inspector: http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\w+)/ : /Listening on http:\/\/127\.0\.0\.1:(\d+)\//;
  try {
    const [, port, token] = await waitFor([child.stdout, child.stderr], output, ready, child.exited, 'serve');
    return { ...childSurface(child, Number(port), PATH, output), token };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** createFetchHandler in real workerd, with `path` ('' for none): faults = workerd exited or logged an uncaught error. */
async function startWorker(path) {
  const dir = mkdtempSync(join(tmpdir(), 'odd-requests-workerd-'));
  const { modules } = await bundleWorker(WORKER_ENTRY, dir);
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), workerdConfig({ port, modules, bindings: { PROMPTFOO_WEBHOOK_SECRET: SECRET, PATH: path } }));
  const workerd = await startWorkerd(dir, port);
  let stopped = false;
  return {
    port,
    path: path || PATH,
    host: `127.0.0.1:${port}`,
    // workerd's own HTTP server hangs up on these before any Worker code runs (Node answers 400).
    closesOn: ['the HTTP/2 preface'],
    async faults() {
      // A CONNECT goes to a Worker's connect() handler, which the README's Worker has not: workerd logs that, and answers.
      const faults = workerd.stderr().split('\n').filter((line) => /uncaught|unhandled/i.test(line) && !/does not export a connect\(\) function/.test(line));
      // startWorkerd does not say when workerd exits: a connection refused does.
      const alive = await exchange(port, rawRequest('GET / HTTP/1.1', [['Host', `127.0.0.1:${port}`]]));
      if (alive.outcome !== 'answered' && !stopped) faults.push(`workerd stopped answering (${alive.outcome}):\n${workerd.stderr().slice(-2000)}`);
      return faults;
    },
    async stop() {
      stopped = true;
      await workerd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Sends every input to `surface`, then checks it still accepts a valid
 * signed delivery with 200. Returns the problems found, one line each.
 */
async function probe(surface, extraInputs = []) {
  const problems = [];
  const inputs = [...oddInputs(surface), ...extraInputs];
  let faultsSeen = 0;
  const send = async (input) => {
    const result = await exchange(surface.port, input.bytes, input.then);
    const problem = problemWith(input, result, surface);
    if (problem !== undefined) problems.push(`${input.name}: ${problem}`);
    const fresh = (await surface.faults()).slice(faultsSeen);
    if (fresh.length > 0) problems.push(`${input.name}: ${fresh.join('\n')}`);
    faultsSeen += fresh.length;
    return problem === undefined && fresh.length === 0;
  };
  for (const each of inputs) {
    await send(each);
    if (problems.some((p) => p.includes('exited') || p.includes('stopped answering'))) return problems; // nothing left to probe
  }
  // Generated heads: each must be answered too (fast-check shrinks a failing one to the smallest it can).
  const generated = await fc.check(
    fc.asyncProperty(generatedHeads(surface), (bytes) => send(input('a generated head', bytes))),
    { seed: 20260117, numRuns: 40 },
  );
  if (generated.failed) problems.push(`smallest failing generated head: ${JSON.stringify(generated.counterexample[0].toString('latin1'))}`);

  const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
  try {
    const response = await fetch(`http://${surface.host}${surface.path}`, { method: 'POST', body, headers, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
    const answer = await response.text();
    const expected = surface.validAnswer ?? '{"received":"issue.created"}';
    if (response.status !== 200 || answer !== expected) problems.push(`a valid delivery after the odd ones: ${response.status} ${answer}`);
  } catch (error) {
    problems.push(`a valid delivery after the odd ones: ${error.cause?.code ?? error.message}`);
  }
  problems.push(...(await surface.faults()).slice(faultsSeen));
  return problems;
}

/** Runs `probe` on the surface `start()` gives, and stops it whatever happens. */
async function expectSurvives(start, extraInputs) {
  const surface = await start();
  try {
    const problems = await probe(surface, typeof extraInputs === 'function' ? await extraInputs(surface) : extraInputs);
    assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
  } finally {
    await surface.stop();
  }
}

// ------------------------------------------------------------ unit level

function fakeReq(url, body = '') {
  const req = Readable.from([Buffer.from(body)]);
  return Object.assign(req, { url, method: 'POST', headers: { host: 'x', 'content-type': 'application/json', 'content-length': String(body.length) } });
}

function fakeRes() {
  return {
    headersSent: false,
    writeHead(status) {
      this.status = status;
      this.headersSent = true;
      return this;
    },
    end() {
      this.ended = true;
    },
    destroy() {
      this.destroyed = true;
    },
  };
}

test('createNodeMiddleware: for each bad request target the promise resolves (never rejects) and an answer is written', async () => {
  const { body } = signPayload(sampleEvent('issue.created'), SECRET);
  for (const options of [{}, { path: '/hook' }]) {
    const middleware = createNodeMiddleware(SECRET, { ...options, logger: false });
    for (const target of BAD_TARGETS) {
      const res = fakeRes();
      await assert.doesNotReject(middleware(fakeReq(target, body), res), `${target} with ${JSON.stringify(options)}`);
      assert.ok(res.status >= 100 && res.status <= 599 && res.ended, `${target} with ${JSON.stringify(options)}: answered`);
    }
  }
});

test('createFetchHandler: a Request whose body stream errors settles with a Response', async () => {
  const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
  for (const options of [{}, { path: '/hook' }]) {
    const erroring = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body.slice(0, 20)));
      },
      pull(controller) {
        controller.error(new Error('the connection reset'));
      },
    });
    const request = new Request('http://127.0.0.1/hook', { method: 'POST', headers, body: erroring, duplex: 'half' });
    const response = await createFetchHandler(SECRET, { ...options, logger: false })(request);
    assert.ok(response instanceof Response, JSON.stringify(options));
    assert.ok(response.status >= 400, `${JSON.stringify(options)}: ${response.status}`);
  }
});

test('createFetchHandler with a path: a request whose url is no valid URL (workerd builds it from the Host header) settles with a Response', async () => {
  // What workerd hands a Worker for `OPTIONS *`, a Host of `a:99999` or of `[::1`, or two Host headers.
  for (const url of ['http://127.0.0.1:8787*', 'http://a:99999/hook', 'http://[::1/hook', 'http://evil.example, x/hook']) {
    const request = { method: 'POST', url, headers: new Headers({ 'content-type': 'application/json' }), body: null, bodyUsed: false };
    const response = await createFetchHandler(SECRET, { path: '/hook', logger: false })(request);
    assert.ok(response instanceof Response, url);
  }
});

// ------------------------------------------------------------ over the wire

for (const surface of ['node', 'node-path', 'node-router', 'express4-route', 'express4-use', 'express5-route', 'express5-use', 'fastify', 'koa']) {
  test(`${surface}: no odd request ends the process; each is answered; a valid delivery still gets 200`, { timeout: 120_000 }, () =>
    expectSurvives(() => startFixture(surface)),
  );
}

test('CLI serve: no odd request ends it; each is answered; a valid delivery still gets 200', { timeout: 120_000 }, () =>
  expectSurvives(() => startServe([])),
);

const FORWARDED = '{"ticket":"SEC-42"}'; // the forward target's answer, which serve passes on
let forwardTarget; // where `serve --ui --forward-to` sends verified deliveries, replays and composed events

before(async () => {
  forwardTarget = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(FORWARDED)));
  await new Promise((resolve) => forwardTarget.listen(0, '127.0.0.1', resolve));
});

after(() => new Promise((resolve) => forwardTarget.close(resolve)));

/** Odd requests to the inspector's page and endpoints, with its token. */
function inspectorInputs({ host, token }) {
  const prefix = '/_promptfoo-webhooks/';
  const call = (method, target, { headers = [['X-Inspector-Token', token]], body = '', hostHeader = host } = {}) =>
    rawRequest(`${method} ${target} HTTP/1.1`, [['Host', hostHeader], ['Content-Type', 'application/json'], ['Content-Length', String(Buffer.byteLength(body))], ...headers], body);
  const inputs = [
    input('inspector: the page', call('GET', `/?token=${token}`, { headers: [] })),
    input('inspector: the page, a bad escape as the token', call('GET', '/?token=%zz%', { headers: [] })),
    input('inspector: the page, the token twice', call('GET', `/?token=${token}&token=%00`, { headers: [] })),
    input('inspector: the event stream', call('GET', `${prefix}events?token=${token}`, { headers: [] })),
    input('inspector: a bad escape as the token', call('GET', `${prefix}events?token=%zz%`, { headers: [] })),
    input('inspector: a multibyte token', call('GET', `${prefix}events`, { headers: [['X-Inspector-Token', Buffer.from('é'.repeat(24), 'utf8')]] })),
    input('inspector: the token twice', call('GET', `${prefix}events`, { headers: [['X-Inspector-Token', token], ['X-Inspector-Token', token]] })),
    input('inspector: Origin null', call('GET', `${prefix}events`, { headers: [['X-Inspector-Token', token], ['Origin', 'null']] })),
    input('inspector: an absolute-form target', call('GET', `http://a:99999${prefix}events`)),
    input('inspector: the page through a bad authority', call('GET', 'http://[::1/')),
    input('inspector: a latin1 Host', call('GET', '/', { hostHeader: Buffer.from(`\xe9${host}`, 'latin1') })),
    input('inspector: an unknown endpoint', call('POST', `${prefix}nope`)),
    input('inspector: the prefix alone', call('GET', prefix)),
  ];
  for (const endpoint of ['replay', 'compose']) {
    for (const [name, body] of [
      ['no body', ''],
      ['invalid JSON', '{'],
      ['null', 'null'],
      ['an array', '[]'],
      ['a string', '"x"'],
      ['an odd id', '{"id":{"toString":1}}'],
      ['a payload of null', '{"payload":null}'],
      ['an empty payload', '{"payload":{}}'],
      ['a payload nested 200 000 deep', `{"payload":${'['.repeat(200_000)}${']'.repeat(200_000)}}`],
      ['a payload with __proto__', `{"payload":{"__proto__":{"event":"issue.created"}}}`],
      ['a valid payload', JSON.stringify({ payload: sampleEvent('issue.created') })],
      ['2 MiB', `{"payload":"${'x'.repeat(2 << 20)}"}`],
    ]) {
      inputs.push(input(`inspector: ${endpoint} with ${name}`, call('POST', `${prefix}${endpoint}`, { body })));
    }
  }
  // Replays of what arrived so far, odd headers and all (each goes through serve again, then to the target).
  for (let id = 1; id <= 120; id++) inputs.push(input(`inspector: replay of delivery ${id}`, call('POST', `${prefix}replay`, { body: JSON.stringify({ id }) })));
  inputs.push(input('inspector: a client gone mid-body', call('POST', `${prefix}compose`, { body: '{"payload":' }).subarray(0, -5), 'destroy'));
  return inputs;
}

test('CLI serve --ui: no odd request to a delivery path or to the inspector ends it; each is answered', { timeout: 120_000 }, async () => {
  const start = async () => ({ ...(await startServe(['--ui', '--forward-to', `http://127.0.0.1:${forwardTarget.address().port}/siem`])), validAnswer: FORWARDED });
  await expectSurvives(start, inspectorInputs);
});

for (const [name, path] of [
  ['without a path', ''],
  ['with a path', PATH],
]) {
  test(`createFetchHandler in workerd, ${name}: no odd request ends workerd or rejects; each is answered`, { timeout: 120_000 }, () =>
    expectSurvives(() => startWorker(path)),
  );
}
