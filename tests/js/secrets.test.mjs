// Secrets never leak: not in error messages, hints, causes, util.inspect or
// JSON.stringify of anything the package returns or throws, and not in logs
// (the package logs nothing; the example receiver logs no secret).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import {
  verify,
  verifySignature,
  sign,
  Webhook,
  MemoryReplayStore,
  signPayload,
  WebhookVerificationError,
} from 'promptfoo-webhooks';
import { startReceiver } from '../../js-examples/node-http-receiver.mjs';

// Distinctive, so a leak in any encoding is found by a plain search.
const TEXT = 'CANARYtextSECRET-7f3e9a1b2c4d';
const BYTES = new TextEncoder().encode('CANARYbytesSECRET-5e6f7a8b9c0d');
const OLD = 'CANARYoldSECRET-0a1b2c3d4e5f';
const FORMS = [TEXT, OLD, 'CANARY', 'SECRET-', Buffer.from(BYTES).toString('hex'), Buffer.from(BYTES).toString('base64'), Buffer.from(TEXT).toString('hex'), Buffer.from(TEXT).toString('base64')];

const BODY = JSON.stringify({ event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'i-1' }, eventData: {} } });
const hmac = (body, secret) => createHmac('sha256', secret).update(body).digest('hex');

function assertNoSecret(value, label) {
  const shown = [
    inspect(value, { depth: Infinity, showHidden: true, getters: true }),
    (() => {
      try {
        return JSON.stringify(value) ?? '';
      } catch {
        return '';
      }
    })(),
    String(value?.message ?? ''),
    String(value?.hint ?? ''),
    String(value?.stack ?? ''),
    value?.cause === undefined ? '' : inspect(value.cause, { depth: Infinity, showHidden: true }),
  ].join('\n');
  for (const form of FORMS) assert.ok(!shown.includes(form), `${label}: shows ${form}:\n${shown.slice(0, 500)}`);
}

/** Captures everything written to the console and stdio while `fn` runs. */
async function captureOutput(fn) {
  const written = [];
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write, console: { ...console } };
  process.stdout.write = process.stderr.write = (chunk, ...rest) => {
    written.push(String(chunk));
    const callback = rest.find((r) => typeof r === 'function');
    callback?.();
    return true;
  };
  for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace']) console[name] = (...args) => written.push(args.map(String).join(' '));
  try {
    await fn();
  } finally {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
    Object.assign(console, saved.console);
  }
  return written.join('\n');
}

/** Every way a call with our secrets in it can fail. */
function failingCalls() {
  const secrets = [TEXT, BYTES, [OLD, TEXT], [BYTES, OLD]];
  const calls = [];
  for (const secret of secrets) {
    const good = (body) => hmac(body, Array.isArray(secret) ? secret[0] : secret);
    calls.push(
      ['signature_mismatch', () => verify(BODY, hmac(BODY, 'another-secret-0123456789'), secret)],
      ['missing_signature', () => verify(BODY, undefined, secret)],
      ['malformed_signature', () => verify(BODY, 'sha256=nothex', secret)],
      ['body_too_large', () => verify(BODY, good(BODY), secret, { maxBodyBytes: 10 })],
      ['unsupported_body', () => verify(42, good(BODY), secret)],
      ['parsed_body_mismatch', () => verify({}, good(BODY), secret)],
      ['invalid_options', () => verify(BODY, good(BODY), secret, { toleranceSeconds: -1 })],
      ['invalid_options', () => verify(BODY, good(BODY), secret, { now: () => { throw new Error('clock'); }, toleranceSeconds: 1 })],
      ['timestamp_outside_window', () => verify(BODY, good(BODY), secret, { toleranceSeconds: 1, now: 0 })],
      ['invalid_json', () => verify('{', good('{'), secret)],
      ['invalid_payload', () => verify('{}', good('{}'), secret)],
      ['invalid_payload', () => signPayload({ event: 1 }, secret)],
      ['ERR_INVALID_ARG_TYPE', () => verify(BODY, 42, secret)],
      ['unsupported_body', () => sign(Symbol('x'), secret)],
      ['unsupported_body', () => verifySignature(null, 'x', secret)],
    );
  }
  // Unusable secrets that are close to real ones: the reason, never the value.
  for (const bad of [` ${TEXT}`, `${TEXT}\n`, 'CANARY-short', '\tCANARY\t', [TEXT, ` ${OLD}`], new TextEncoder().encode(`${TEXT} `)]) {
    calls.push(
      ['invalid_secret', () => verify(BODY, hmac(BODY, TEXT), bad)],
      ['invalid_secret', () => sign(BODY, bad)],
      ['invalid_secret', () => new Webhook(bad)],
      ['invalid_secret', () => verifySignature(BODY, hmac(BODY, TEXT), bad)],
    );
  }
  // Secrets of the wrong type inside a list: the position, never the neighbours.
  calls.push(['ERR_INVALID_ARG_TYPE', () => verify(BODY, hmac(BODY, TEXT), [TEXT, 42, OLD])]);
  return calls;
}

test('no error message, hint, stack, cause, inspect or JSON of an error shows a secret', () => {
  const calls = failingCalls();
  assert.ok(calls.length > 80);
  for (const [expected, call] of calls) {
    try {
      call();
      assert.fail(`${expected}: accepted`);
    } catch (error) {
      assert.ok(error instanceof WebhookVerificationError || error instanceof TypeError, String(error));
      assert.equal(error.code, expected, error.message);
      assertNoSecret(error, expected);
    }
  }
});

test('async paths: verifyRequest, verifyOnce and duplicate_delivery show no secret', async () => {
  const webhook = new Webhook([OLD, TEXT, BYTES], { maxBodyBytes: 100, dedupe: { store: new MemoryReplayStore() } });
  const request = (body, signature) => new Request('http://127.0.0.1/', { method: 'POST', body, headers: signature ? { 'x-promptfoo-signature': signature } : {} });
  const short = '{"event":"x.y","timestamp":"2025-03-14T12:34:56Z","data":{}}';
  await webhook.verifyOnce(short, hmac(short, TEXT));
  for (const attempt of [
    () => webhook.verifyRequest(request(BODY.repeat(3), hmac(BODY, TEXT))),
    () => webhook.verifyRequest(request(short)),
    () => webhook.verifyRequest({ headers: { get: () => { throw new Error('x'); } } }),
    () => webhook.verifyOnce(short, hmac(short, TEXT)),
    () => webhook.verifyOnce(short, hmac(short, 'wrong-secret-0123456789')),
  ]) {
    await assert.rejects(attempt(), (error) => {
      assertNoSecret(error, error.code);
      return true;
    });
  }
});

test('what the package returns shows no secret: Webhook, store, events, signPayload, sign', () => {
  const store = new MemoryReplayStore();
  const webhook = new Webhook([TEXT, BYTES, OLD], { dedupe: { store } });
  assertNoSecret(webhook, 'Webhook');
  assert.equal(JSON.stringify(webhook), '{}');
  assert.equal(inspect(webhook), 'Webhook {}');
  assertNoSecret(store, 'MemoryReplayStore');
  const event = webhook.verify(BODY, hmac(BODY, OLD));
  assertNoSecret(event, 'event');
  assertNoSecret(signPayload(JSON.parse(BODY), TEXT), 'signPayload');
  assertNoSecret(sign(BODY, BYTES), 'sign');
  webhook.dispose();
  assertNoSecret(webhook, 'disposed Webhook');
});

test('the package writes nothing to the console or stdio, whatever fails', async () => {
  const output = await captureOutput(async () => {
    for (const [, call] of failingCalls()) {
      try {
        call();
      } catch {
        // expected
      }
    }
    const webhook = new Webhook(TEXT, { dedupe: { store: new MemoryReplayStore() } });
    await webhook.verifyOnce(BODY, hmac(BODY, TEXT));
    await webhook.verifyOnce(BODY, hmac(BODY, TEXT)).catch(() => {});
  });
  assert.equal(output, '');
});

test('the example receiver logs and answers without the secret', async () => {
  const lines = [];
  const receiver = await startReceiver({ secret: [OLD, TEXT], log: (line) => lines.push(line), maxBodyBytes: 2048, toleranceSeconds: 60, dedupe: true });
  try {
    const post = (body, headers = {}) => fetch(receiver.url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
    const replies = [];
    for (const [body, signature] of [
      [BODY, hmac(BODY, TEXT)], // stale: outside the 60 s window
      [BODY, hmac(BODY, 'wrong-secret-0123456789')],
      [BODY, 'nothex'],
      [BODY, undefined],
      ['x'.repeat(4096), hmac('x', TEXT)],
      ['{', hmac('{', TEXT)],
    ]) {
      const response = await post(body, signature ? { 'x-promptfoo-signature': signature } : {});
      replies.push(`${response.status} ${await response.text()}`);
    }
    const fresh = JSON.stringify({ ...JSON.parse(BODY), timestamp: new Date().toISOString() });
    for (let i = 0; i < 2; i++) {
      const response = await post(fresh, { 'x-promptfoo-signature': hmac(fresh, OLD) });
      replies.push(`${response.status} ${await response.text()}`);
    }
    assert.deepEqual(replies.map((r) => Number(r.slice(0, 3))), [400, 401, 401, 401, 413, 400, 200, 409]);
    const everything = [...lines, ...replies, JSON.stringify(receiver.stats)].join('\n');
    for (const form of FORMS) assert.ok(!everything.includes(form), `receiver output shows ${form}`);
  } finally {
    await receiver.close();
  }
});
