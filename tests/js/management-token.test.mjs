// The management client's token and paths, against a real server on
// 127.0.0.1: a token echoed back in the reason phrase, or escaped for a
// URL, JSON or HTML, or cut short, never reaches an error; a token fetch
// would alter (NUL, surrounding spaces) is refused before anything is
// sent; the token goes over plain http only to a loopback host unless the
// caller opts in; and a webhook id is always one path segment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { inspect } from 'node:util';
import { ManagementClient, PromptfooApiError } from 'promptfoo-webhooks';

// Every character an escaper changes: / + = for URLs, " \ for JSON, & < > ' for HTML.
const TOKEN = `pf_K3y/7+Zq="x\\y&<z>'9%41W2mT8vR0`;
const TRUNCATION = 500; // what the client keeps of a server's message

/** The spellings of `token` a server or proxy may echo: each must be scrubbed. */
function spellings(token) {
  const html = token.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const named = token.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' })[c]);
  return {
    asIs: token,
    percent: encodeURIComponent(token),
    percentLower: encodeURIComponent(token).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    json: JSON.stringify(token).slice(1, -1),
    jsonSlash: JSON.stringify(token).slice(1, -1).replaceAll('/', '\\/'),
    unicode: [...token].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
    html,
    htmlNamed: named,
    prefix: token.slice(0, 12),
  };
}

/** A server on 127.0.0.1 answering with `answer(req, res)`; it records each request's raw target. */
async function startServer(answer) {
  const requests = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push({ method: req.method, target: req.url, authorization: req.headers.authorization });
      answer(req, res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

async function withServer(answer, body) {
  const server = await startServer(answer);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** Every text an error shows, its cause chain included. */
function textsOf(error) {
  const texts = [String(error), inspect(error, { depth: 10 }), JSON.stringify(error) ?? ''];
  for (let e = error; e !== undefined && e !== null; e = e.cause) {
    texts.push(String(e?.message), String(e?.stack), String(e?.serverMessage ?? ''), String(e?.hint ?? ''));
  }
  return texts;
}

function assertNoToken(error, token = TOKEN) {
  for (const [form, spelled] of Object.entries(spellings(token))) {
    for (const text of textsOf(error)) assert.ok(!text.includes(spelled), `the token (${form}) leaked: ${text}`);
  }
}

async function rejection(promise) {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (error) => error,
  );
}

test('a reason phrase that echoes the token is scrubbed from the message, cause chain, String() and inspect()', async () => {
  await withServer(
    (req, res) => {
      res.writeHead(500, `bad token ${req.headers.authorization.slice('Bearer '.length)}`, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'upstream failed' }));
    },
    async (server) => {
      const client = new ManagementClient({ baseUrl: server.url, token: TOKEN });
      const error = await rejection(client.listEventTypes());
      assert.ok(error instanceof PromptfooApiError);
      assert.equal(error.code, 'api_request_rejected');
      assert.equal(error.status, 500);
      assert.equal(server.requests[0].authorization, `Bearer ${TOKEN}`, 'the token was sent as given');
      assert.match(error.message, /answered 500 bad token \[token\]: upstream failed$/);
      assertNoToken(error);
    },
  );
});

for (const [form, spelled] of Object.entries(spellings(TOKEN))) {
  test(`a body echoing the token ${form === 'prefix' ? 'cut short' : `escaped (${form})`} is scrubbed, in the body as text and in a JSON message`, async () => {
    for (const asJson of [false, true]) {
      const said = `Invalid token ${spelled} (see the logs)`;
      await withServer(
        (req, res) => res.writeHead(401, `no ${spelled}`).end(asJson ? JSON.stringify({ message: said }) : said),
        async (server) => {
          const error = await rejection(new ManagementClient({ baseUrl: server.url, token: TOKEN }).listEventTypes());
          assert.equal(error.code, 'api_request_rejected');
          assert.equal(error.serverMessage, 'Invalid token [token] (see the logs)');
          assertNoToken(error);
        },
      );
    }
  });
}

test('a token cut by the client at its message limit leaves no prefix behind, in a short answer or a long one', async () => {
  const { unicode } = spellings(TOKEN);
  const bodies = [];
  for (const offset of [TRUNCATION - 12, TRUNCATION - 9, TRUNCATION - 1]) {
    for (const tail of [' and more', 'y'.repeat(50_000)]) bodies.push([`${'x'.repeat(offset)}${TOKEN}${tail}`, 'x'.repeat(offset)]);
  }
  // Escaped echoes shrink to [token]: what followed them must not be pulled into the message half-read.
  bodies.push([`${unicode.repeat(20)}${'x'.repeat(400)}${unicode}${'y'.repeat(50_000)}`, '[token]']);
  for (const [body, kept] of bodies) {
    await withServer(
      (req, res) => res.writeHead(403).end(body),
      async (server) => {
        const error = await rejection(new ManagementClient({ baseUrl: server.url, token: TOKEN }).listEventTypes());
        assert.equal(error.status, 403);
        assert.ok(error.serverMessage.startsWith(kept), `what precedes the token is kept: ${error.serverMessage}`);
        assert.ok(error.serverMessage.length <= TRUNCATION + 1 && error.serverMessage.endsWith('…'), 'cut at the limit');
        assertNoToken(error);
        for (const text of textsOf(error)) assert.ok(!text.includes(TOKEN.slice(0, 8)) && !text.includes(unicode.slice(0, 6 * 8)), `a prefix leaked: ${text.slice(-40)}`);
      },
    );
  }
});

test('a token that fetch would refuse or alter (NUL, controls, surrounding or inner spaces, non-ASCII) is refused up front, naming where it came from', async () => {
  await withServer(
    (req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]'),
    async (server) => {
      for (const token of ['pf\0secret', 'pf-secret ', ' pf-secret', 'pf secret', 'pf\tsecret', 'pf-secret\x7f', 'pf\x01secret', 'pf-sécret', 'pf-secret€']) {
        assert.throws(
          () => new ManagementClient({ baseUrl: server.url, token }),
          (error) => {
            assert.equal(error.code, 'ERR_INVALID_ARG_TYPE', JSON.stringify(token));
            assert.match(error.message, /^options\.token must be .*visible ASCII/);
            assert.ok(!error.message.includes(token.trim()), error.message);
            return true;
          },
        );
      }
      const saved = process.env.PROMPTFOO_API_TOKEN;
      try {
        process.env.PROMPTFOO_API_TOKEN = 'pf-secret-from-a-file\t';
        assert.throws(() => new ManagementClient({ baseUrl: server.url }), { code: 'ERR_INVALID_ARG_TYPE', message: /^PROMPTFOO_API_TOKEN must be/ });
      } finally {
        if (saved === undefined) delete process.env.PROMPTFOO_API_TOKEN;
        else process.env.PROMPTFOO_API_TOKEN = saved;
      }
      assert.equal(server.requests.length, 0, 'nothing was sent');
    },
  );
});

test('plain http to a host that is not loopback is refused, unless allowInsecureHttp: true', async () => {
  await withServer(
    (req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('["issue.created"]'),
    async (server) => {
      // The named host is what the client judges; this fetch then delivers to the local server.
      const sentTo = [];
      const viaLocal = (url, init) => {
        sentTo.push(url);
        return fetch(`${server.url}${new URL(url).pathname}`, init);
      };
      for (const baseUrl of ['http://promptfoo.example.com', 'http://10.0.0.7:3000', 'http://[::2]', 'http://0.0.0.0', 'http://127.0.0.1.example.com', 'http://localhost.example.com', 'http://[::ffff:a00:1]']) {
        assert.throws(
          () => new ManagementClient({ baseUrl, token: TOKEN, fetch: viaLocal }),
          (error) => {
            assert.ok(error instanceof PromptfooApiError, baseUrl);
            assert.equal(error.code, 'api_not_configured');
            assert.match(error.message, /over plain http.*allowInsecureHttp/);
            assertNoToken(error);
            return true;
          },
        );
      }
      assert.equal(server.requests.length, 0, 'nothing was sent');
      assert.throws(() => new ManagementClient({ baseUrl: 'http://promptfoo.example.com', token: TOKEN, allowInsecureHttp: 'yes' }), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => new ManagementClient({ baseUrl: 'http://promptfoo.example.com', token: TOKEN, allowInsecureHttp: false }), { code: 'api_not_configured' });

      const optedIn = new ManagementClient({ baseUrl: 'http://promptfoo.internal:8080', token: TOKEN, fetch: viaLocal, allowInsecureHttp: true });
      assert.deepEqual(await optedIn.listEventTypes(), ['issue.created']);
      assert.deepEqual(sentTo, ['http://promptfoo.internal:8080/api/v1/webhooks/event-types']);
      assert.equal(server.requests[0].authorization, `Bearer ${TOKEN}`);

      for (const baseUrl of ['https://promptfoo.example.com', 'http://localhost:8080', 'http://127.8.9.10', 'http://0x7f000001', 'http://[::1]:3000', 'http://[::ffff:127.0.0.1]']) {
        assert.doesNotThrow(() => new ManagementClient({ baseUrl, token: TOKEN }), baseUrl);
      }
      const local = new ManagementClient({ baseUrl: server.url, token: TOKEN });
      assert.deepEqual(await local.listEventTypes(), ['issue.created'], 'a loopback server over http needs no opt-in');
    },
  );
});

test('regenerateSecret: "." and ".." are refused and nothing is sent; any other id is exactly one path segment', async () => {
  await withServer(
    (req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ secret: 'new-secret' })),
    async (server) => {
      const client = new ManagementClient({ baseUrl: server.url, token: TOKEN });
      for (const id of ['.', '..', '', ' ']) {
        const error = await rejection(client.regenerateSecret(id));
        assert.equal(error.code, 'ERR_INVALID_ARG_TYPE', JSON.stringify(id));
        assert.match(error.message, /^id must be a webhook id/);
      }
      assert.deepEqual(server.requests, [], 'nothing was sent, not to /api/v1/regenerate-secret either');

      const ids = ['wh_1', '...', '.hidden', '../x', '%2e%2e', '.%2E', 'a/b', 'a?b#c', 'a b', 'é/€', '\\..'];
      for (const id of ids) assert.deepEqual(await client.regenerateSecret(id), { id, secret: 'new-secret' });
      assert.deepEqual(
        server.requests.map((r) => r.target),
        ids.map((id) => `/api/v1/webhooks/${encodeURIComponent(id)}/regenerate-secret`),
      );
      for (const { target } of server.requests) assert.equal(target.split('/').length, 6, target);
    },
  );
});
