// `send` when the delivery fails: what the user reads names the cause (the
// 10 s limit, a reset connection and what it likely means), and an answer
// that came is shown even if the connection broke after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureText } from '../../pkg/bin/commands/send.js';
import { run } from './support/cli.mjs';

const SECRET = 'cli-test-secret-0123456789abcdef';

/** A server on 127.0.0.1 whose handler is `onRequest(req, res)`; resolves with its URL and close(). */
async function server(onRequest) {
  const http = createServer(onRequest);
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${http.address().port}/hook`,
    close: () => new Promise((resolve) => {
      http.close(resolve);
      http.closeAllConnections();
    }),
  };
}

/** A payload file of about `bytes` bytes. */
function payloadFile(dir, bytes) {
  const path = join(dir, `payload-${bytes}.json`);
  const payload = { event: 'issue.created', timestamp: new Date().toISOString(), data: { issue: { id: 'i-1' }, eventData: {}, padding: 'x'.repeat(bytes) } };
  writeFileSync(path, JSON.stringify(payload));
  return path;
}

test('a receiver that resets the connection without an answer: said so, and for a large body why it likely did', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pfw-send-'));
  // Refuses every delivery by resetting the connection as soon as the request's head arrives.
  const resetter = await server((req) => req.socket.resetAndDestroy());
  t.after(async () => {
    await resetter.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const large = await run(['send', resetter.url, '--secret', SECRET, '--file', payloadFile(dir, 2 * 1024 * 1024)]);
  assert.equal(large.code, 1);
  assert.match(large.stderr, /^issue\.created -> .*: the receiver closed the connection before its answer could be read \(ECONNRESET\): likely the body \(\d+ bytes\) is over its size limit.*413/);

  const small = await run(['send', resetter.url, '--secret', SECRET]);
  assert.equal(small.code, 1);
  assert.match(small.stderr, /closed the connection before its answer could be read \(ECONNRESET\): it may have crashed/);
  assert.doesNotMatch(small.stderr, /size limit/);
});

test('a 413 whose body is cut off by a reset: the status is printed, then what broke', async (t) => {
  const cutter = await server((req, res) => {
    res.writeHead(413, { 'content-type': 'application/json', 'content-length': '200' });
    res.write('{"error":"body_too_large"', () => setTimeout(() => req.socket.resetAndDestroy(), 20));
  });
  t.after(() => cutter.close());
  const result = await run(['send', cutter.url, '--secret', SECRET]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^issue\.created -> .*: 413 Payload Too Large\n$/);
  assert.match(result.stderr, /^the answer's body could not be read: the receiver closed the connection/);
  assert.doesNotMatch(result.stderr, /promptfoo-webhooks: |at /, 'no stack trace');
});

test('no answer in time names the 10 s limit, not the abort', async (t) => {
  const silent = await server(() => {}); // never answers
  t.after(() => silent.close());
  // send's fetch, with its timeout shortened: the same TimeoutError the 10 s limit raises.
  const error = await fetch(silent.url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(50) }).then(
    () => assert.fail('no answer was expected'),
    (thrown) => thrown,
  );
  const text = failureText(error, 2);
  assert.match(text, /^no answer within 10 s: Promptfoo waits that long/);
  assert.doesNotMatch(text, /aborted/);
});

test('a refused connection still names ECONNREFUSED, and says what it means', async () => {
  const gone = await server(() => {});
  await gone.close();
  const result = await run(['send', gone.url, '--secret', SECRET]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /: nothing listens there \(ECONNREFUSED\)/);
});
