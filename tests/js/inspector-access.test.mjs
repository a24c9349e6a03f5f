// Who may use the inspector of `serve --ui`, and what it keeps: the page
// needs the token of the URL serve printed (GET / without it is a 401);
// peers not on this machine are refused unless --ui-allow-remote; compose
// never gives the page a signature; rejected deliveries leave no bodies in
// the history, the history has a byte budget, and an event-stream client
// that does not read is dropped rather than buffered for. And "Copy as
// curl" (curlCommand) sends a body that starts with '@' as those bytes,
// never as a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { sampleEvent, signPayload, verify } from 'promptfoo-webhooks';
import { curlCommand } from '../../pkg/bin/commands/send.js';
import { createInspector, HISTORY_BYTES, PREVIEW_BYTES } from '../../pkg/bin/inspector/server.js';
import { run, start } from './support/cli.mjs';

const SECRET = 'inspector-access-secret-0123456789';
const EVENTS = '/_promptfoo-webhooks/events';

/** `serve --ui` on a free port; resolves with the URL it printed, its origin and token. */
async function startInspector(args = []) {
  const child = start(['serve', '--port', '0', '--ui', '--secret', SECRET, ...args]);
  const printed = await new Promise((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /Inspector: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(child.output.stdout);
      if (match) resolve(new URL(match[1]));
    });
    child.exited.then(({ code, stderr }) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const stop = async () => {
    child.kill('SIGTERM');
    return child.exited;
  };
  return { child, url: printed.href, origin: printed.origin, token: printed.searchParams.get('token'), stop };
}

/** A receiver that answers with what it got, headers included (the worst case for a signature). */
async function echoTarget() {
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk)).on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ echoed: req.headers }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** The deliveries an event stream opens with (its `history` event), and that event's size. */
async function historyOf(origin, token) {
  const response = await fetch(`${origin}${EVENTS}?token=${token}`);
  assert.equal(response.status, 200);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the stream ended before its history');
    text += decoder.decode(value, { stream: true });
    const match = /event: history\ndata: (.*)\n\n/.exec(text);
    if (match) {
      await reader.cancel();
      return { deliveries: JSON.parse(match[1]), bytes: Buffer.byteLength(match[1]) };
    }
  }
}

test('GET / without the printed token is a 401 that says where to go; the page, with it, does not carry the token', async () => {
  const serve = await startInspector();
  try {
    assert.match(serve.token, /^[0-9a-f]{48}$/, 'serve prints the URL with its token');
    for (const path of ['/', '/index.html', `/?token=${'0'.repeat(48)}`]) {
      const refused = await fetch(`${serve.origin}${path}`);
      assert.equal(refused.status, 401, path);
      const text = await refused.text();
      assert.match(text, /open the inspector at the URL .*printed/i);
      assert.ok(!text.includes(serve.token));
    }
    const page = await fetch(serve.url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /promptfoo-webhooks inspector/);
    assert.ok(!html.includes(serve.token), 'the page reads the token from its own URL, it is not written into it');
    // The endpoints want it too: the event stream without it is a 401.
    assert.equal((await fetch(`${serve.origin}${EVENTS}`)).status, 401);
    // The token is printed once, in that URL, and nowhere else.
    const { stdout, stderr } = await serve.stop();
    assert.equal(stdout.split(serve.token).length - 1, 1, stdout);
    assert.ok(!stderr.includes(serve.token));
  } finally {
    await serve.stop();
  }
});

/** A request as the inspector's handler sees it, from `remoteAddress`; resolves with what it answered. */
function askInspector(inspector, { path, remoteAddress, host = '127.0.0.1:8787', headers = {} }) {
  return new Promise((resolve) => {
    const req = { method: 'GET', url: path, headers: { host, ...headers }, socket: { remoteAddress }, on() {} };
    let status;
    const res = {
      writeHead(code) {
        status = code;
        return res;
      },
      write() {
        return true;
      },
      end(text) {
        resolve({ status, text: String(text ?? '') });
      },
    };
    assert.equal(inspector.handle(req, res), true);
    // The event stream stays open: its status is the answer.
    if (status === 200 && path.startsWith(EVENTS)) resolve({ status, text: '' });
  });
}

test('peers that are not on this machine are refused, whatever their Host and token, unless --ui-allow-remote', async () => {
  const local = createInspector({ secrets: [SECRET], forwardTo: undefined });
  local.listening('http://127.0.0.1:8787', ['127.0.0.1:8787', 'localhost:8787']);
  const page = `/?token=${local.token}`;
  for (const remoteAddress of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) {
    assert.equal((await askInspector(local, { path: page, remoteAddress })).status, 200, remoteAddress);
  }
  for (const remoteAddress of ['192.168.1.20', '10.0.0.7', '::ffff:192.168.1.20', 'fe80::1', undefined]) {
    const refused = await askInspector(local, { path: page, remoteAddress });
    assert.equal(refused.status, 403, String(remoteAddress));
    assert.match(refused.text, /--ui-allow-remote/);
    const stream = await askInspector(local, { path: `${EVENTS}?token=${local.token}`, remoteAddress });
    assert.equal(stream.status, 403);
  }
  local.close();

  // Allowed in, a remote peer reaches the page by the machine's own name, still only with the token.
  const remote = createInspector({ secrets: [SECRET], forwardTo: undefined, allowRemote: true });
  remote.listening('http://127.0.0.1:8787', ['127.0.0.1:8787']);
  assert.equal((await askInspector(remote, { path: `/?token=${remote.token}`, remoteAddress: '192.168.1.20', host: 'devbox.lan:8787' })).status, 200);
  assert.equal((await askInspector(remote, { path: '/', remoteAddress: '192.168.1.20', host: 'devbox.lan:8787' })).status, 401);
  const foreign = { path: `/?token=${remote.token}`, remoteAddress: '192.168.1.20', host: 'devbox.lan:8787', headers: { origin: 'http://attacker.example' } };
  assert.equal((await askInspector(remote, foreign)).status, 403, 'an Origin other than the Host it came to');
  remote.close();

  // The flag, in serve: documented, and only with --ui.
  const help = await run(['serve', '--help']);
  assert.match(help.stdout, /--ui-allow-remote/);
  const alone = await run(['serve', '--secret', SECRET, '--ui-allow-remote']);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--ui-allow-remote needs --ui/);
});

test('compose signs and sends, and gives the page no signature: not in its answer, not in the event stream', async () => {
  const target = await echoTarget();
  const serve = await startInspector(['--forward-to', target.url]);
  try {
    const payload = sampleEvent('issue.updated');
    payload.data.issue.id = 'forged-by-the-page';
    const response = await fetch(`${serve.origin}/_promptfoo-webhooks/compose`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Inspector-Token': serve.token },
      body: JSON.stringify({ payload }),
    });
    assert.equal(response.status, 200);
    const answer = await response.text();
    // It was signed and reached the target, verified by the secret...
    assert.equal(target.received.length, 1);
    const signature = target.received[0].headers['x-promptfoo-signature'];
    assert.equal(verify(target.received[0].body, signature, SECRET).data.issue.id, 'forged-by-the-page');
    const outcome = JSON.parse(answer);
    assert.equal(outcome.status, 200);
    assert.equal(outcome.curl, undefined);
    // ...but its signature is nowhere the page can read, even though the target echoed it.
    assert.ok(!answer.toLowerCase().includes(signature), answer);
    const { deliveries } = await historyOf(serve.origin, serve.token);
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0].verdict, 'accepted');
    assert.equal(deliveries[0].curl, null);
    assert.ok(!JSON.stringify(deliveries).toLowerCase().includes(signature));

    // A replay of it is sent by serve with its signature, and hidden the same way.
    const replay = await fetch(`${serve.origin}/_promptfoo-webhooks/replay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Inspector-Token': serve.token },
      body: JSON.stringify({ id: deliveries[0].id }),
    });
    const replayed = await replay.text();
    assert.equal(JSON.parse(replayed).status, 200);
    assert.equal(target.received.length, 2);
    assert.equal(target.received[1].headers['x-promptfoo-signature'], signature);
    assert.ok(!replayed.toLowerCase().includes(signature));
    assert.ok(!JSON.stringify((await historyOf(serve.origin, serve.token)).deliveries).toLowerCase().includes(signature));
  } finally {
    await serve.stop();
    await target.close();
  }
});

test("copy as curl carries the delivery's headers only (Content-Type, the signature, X-Webhook-Id), not what the sending client added", async () => {
  const target = await echoTarget();
  const serve = await startInspector(['--forward-to', target.url]);
  try {
    const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
    // fetch adds user-agent, sec-fetch-mode, accept, accept-language and accept-encoding of its own.
    const sent = { ...headers, 'X-Webhook-Id': 'wh_7', 'X-Debug-Trace': 'abc', Authorization: 'Bearer not-for-curl' };
    assert.equal((await fetch(`${serve.origin}/hook`, { method: 'POST', headers: sent, body })).status, 200);
    const { deliveries } = await historyOf(serve.origin, serve.token);
    const sentHeaders = [...deliveries[0].curl.matchAll(/-H '([^:]+): /g)].map(([, name]) => name.toLowerCase());
    assert.deepEqual(sentHeaders.sort(), ['content-type', 'x-promptfoo-signature', 'x-webhook-id']);
    assert.match(deliveries[0].curl, /-H 'X-Webhook-Id: wh_7'/);
    // And it still works: run by a shell, serve verifies it and forwards it again.
    await promisify(execFile)('sh', ['-c', deliveries[0].curl]);
    assert.equal(target.received.length, 2);
    assert.equal(target.received[1].body.toString(), body);
  } finally {
    await serve.stop();
    await target.close();
  }
});

test("a delivery serve verified and the target refused: the target's status and code apart from serve's verdict", async () => {
  const refusing = createServer((req, res) => {
    req.resume().on('end', () => res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"timestamp_outside_window","message":"too old"}'));
  });
  await new Promise((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  const serve = await startInspector(['--forward-to', `http://127.0.0.1:${refusing.address().port}/`]);
  try {
    const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
    assert.equal((await fetch(`${serve.origin}/`, { method: 'POST', headers, body })).status, 400);
    const [delivery] = (await historyOf(serve.origin, serve.token)).deliveries;
    assert.equal(delivery.verdict, 'accepted', "serve's verdict: it verified");
    assert.equal(delivery.code, null);
    assert.equal(delivery.forward.status, 400);
    assert.equal(delivery.forward.code, 'timestamp_outside_window');
  } finally {
    await serve.stop();
    await new Promise((resolve) => refusing.close(resolve));
  }
});

test('300 junk POSTs of 200 KiB leave no bodies in the history: metadata and a short preview only', async () => {
  const serve = await startInspector();
  try {
    const junk = Buffer.alloc(200 * 1024, 'A');
    junk.write('@/etc/passwd ');
    const headers = { 'Content-Type': 'application/json', 'X-Promptfoo-Signature': '0'.repeat(64) };
    for (let sent = 0; sent < 300; sent += 10) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(`${serve.origin}/junk`, { method: 'POST', headers, body: junk })));
      for (const answer of answers) {
        assert.equal(answer.status, 401);
        await answer.arrayBuffer();
      }
    }
    const { deliveries, bytes } = await historyOf(serve.origin, serve.token);
    assert.equal(deliveries.length, 200, 'the newest 200 are listed');
    for (const delivery of deliveries) {
      assert.equal(delivery.verdict, 'rejected');
      assert.equal(delivery.code, 'signature_mismatch');
      assert.equal(delivery.size, junk.length);
      assert.equal('body' in delivery, false, 'a rejected body is not kept');
      assert.equal(delivery.curl, null);
      assert.equal(delivery.preview, junk.subarray(0, PREVIEW_BYTES).toString('utf8'));
    }
    assert.ok(bytes < 200 * 2048, `the history is ${bytes} bytes`);
  } finally {
    await serve.stop();
  }
});

/** An accepted delivery of about `size` bytes, as serve's middleware tells the inspector. */
function bigDelivery(size, n) {
  const payload = sampleEvent('issue.created');
  payload.data.issue.id = `big-${n}`;
  payload.data.issue.description = 'x'.repeat(size);
  const { body, headers } = signPayload(payload, SECRET);
  const event = verify(body, headers['X-Promptfoo-Signature'], SECRET);
  return {
    status: 200,
    body: { received: 'issue.created' },
    event,
    size: Buffer.byteLength(body),
    request: { method: 'POST', headers: Object.entries(headers), body: new TextEncoder().encode(body) },
  };
}

test('the history keeps within its byte budget, and an event-stream client that does not read is dropped, not buffered for', async () => {
  const inspector = createInspector({ secrets: [SECRET], forwardTo: undefined });
  const streams = [];
  const server = createServer((req, res) => {
    if (req.url.startsWith(EVENTS)) streams.push(res);
    if (!inspector.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  inspector.listening(`http://127.0.0.1:${port}`, [`127.0.0.1:${port}`]);
  // A client that asks for the stream and never reads it.
  const stalled = connect(port, '127.0.0.1');
  stalled.write(`GET ${EVENTS}?token=${inspector.token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  stalled.pause();
  try {
    while (streams.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const [res] = streams;
    let most = 0;
    for (let n = 0; n < 60; n++) {
      inspector.record(bigDelivery(200 * 1024, n));
      most = Math.max(most, res.writableLength);
    }
    assert.ok(most < 4 * 1024 * 1024, `the stalled stream buffered ${most} bytes`);
    assert.ok(res.destroyed, 'the stalled client was dropped');

    const { deliveries, bytes } = await historyOf(`http://127.0.0.1:${port}`, inspector.token);
    assert.ok(bytes <= HISTORY_BYTES, `the history is ${bytes} bytes`);
    assert.ok(deliveries.length > 1 && deliveries.length < 60, `${deliveries.length} kept`);
    assert.equal(deliveries.at(-1).payload.data.issue.id, 'big-59', 'the oldest go first');
    assert.ok(deliveries.every((delivery) => delivery.curl !== null));
  } finally {
    stalled.destroy();
    inspector.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('curlCommand sends a body that starts with @ as those bytes, never as a file to read', async () => {
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk)).on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      res.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${server.address().port}/`;
    for (const body of ['@/etc/passwd', "@/etc/passwd\r\nit's\n$HOME `x`\n", '@-', '{"event":"issue.created"}\n']) {
      const command = curlCommand(url, { 'Content-Type': 'application/json' }, body);
      await promisify(execFile)('sh', ['-c', command]);
      assert.equal(received.at(-1), body, command);
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
