// The management API client (ManagementClient) against a local stand-in of
// Promptfoo's documented endpoints (support/management-api.mjs): request
// bodies, Bearer auth and the /api/webhooks fallback; a rejected token,
// timeouts, oversized and odd answers; local validation that sends
// nothing; and the token kept out of every error and of inspect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { ManagementClient, PromptfooApiError } from 'promptfoo-webhooks';
import { API_TOKEN, startManagementApi } from './support/management-api.mjs';

const CONFIG = { url: 'https://siem.example.com/hooks/promptfoo', name: 'SIEM', events: ['issue.created', 'issue.updated'] };

/** Runs `body(api, client)` against a stand-in with `shape`, then closes it. */
async function withApi(shape, body, clientOptions = {}) {
  const api = await startManagementApi(shape);
  try {
    await body(api, new ManagementClient({ baseUrl: api.url, token: API_TOKEN, ...clientOptions }));
  } finally {
    await api.close();
  }
}

/** Asserts `promise` rejects with a PromptfooApiError of `code` that never mentions the token. */
async function rejectsWith(promise, code, extra = {}) {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (thrown) => thrown,
  );
  assert.ok(error instanceof PromptfooApiError, String(error));
  assert.equal(error.code, code, error.message);
  assert.ok(error.hint.length > 0);
  for (const [key, value] of Object.entries(extra)) assert.deepEqual(error[key], value, key);
  for (const text of [error.message, error.hint, error.serverMessage ?? '', inspect(error), JSON.stringify(error)]) {
    assert.ok(!text.includes(API_TOKEN), `the token leaked: ${text}`);
  }
  return error;
}

test('createWebhook: POST /api/v1/webhooks with the Bearer token and the documented body; the secret comes back once', async () => {
  await withApi({}, async (api, client) => {
    const created = await client.createWebhook({ ...CONFIG, teamId: 'team-7' });
    assert.equal(api.requests.length, 1);
    const [request] = api.requests;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/api/v1/webhooks');
    assert.equal(request.authorization, `Bearer ${API_TOKEN}`);
    assert.equal(request.contentType, 'application/json');
    assert.deepEqual(request.body, { url: CONFIG.url, name: 'SIEM', events: CONFIG.events, teamId: 'team-7', enabled: true });
    assert.equal(created.id, 'wh_1');
    assert.equal(created.secret, api.webhooks.get('wh_1').secret);
    assert.match(created.secret, /^[0-9a-f]{64}$/);
    assert.equal(created.webhook.secret, undefined, 'the secret is returned on its own, not inside the webhook');
    assert.equal(created.webhook.name, 'SIEM');
  });
});

test('createWebhook: an older server answers 404 on /api/v1, so /api/webhooks is tried', async () => {
  await withApi({ legacyOnly: true }, async (api, client) => {
    const created = await client.createWebhook({ ...CONFIG, enabled: false });
    assert.deepEqual(api.requests.map((r) => r.path), ['/api/v1/webhooks', '/api/webhooks']);
    assert.equal(api.requests[1].body.enabled, false);
    assert.equal(created.secret, api.webhooks.get(created.id).secret);
  });
});

test('createWebhook: the API that answered is used first from then on, so a legacy server costs one 404, not one per create', async () => {
  await withApi({ legacyOnly: true }, async (api, client) => {
    await client.createWebhook(CONFIG);
    await client.createWebhook(CONFIG);
    await client.createWebhook(CONFIG);
    assert.deepEqual(api.requests.map((r) => r.path), ['/api/v1/webhooks', '/api/webhooks', '/api/webhooks', '/api/webhooks']);
  });
  // Per client: another one starts from /api/v1 again.
  await withApi({}, async (api, client) => {
    await client.createWebhook(CONFIG);
    await client.createWebhook(CONFIG);
    assert.deepEqual(api.requests.map((r) => r.path), ['/api/v1/webhooks', '/api/v1/webhooks']);
  });
});

test("the integration document's server (POST /api/webhooks alone): regenerate-secret and event-types say the endpoint is missing and what to do, not 'check the id'", async () => {
  await withApi({ documentOnly: true }, async (api, client) => {
    const created = await client.createWebhook(CONFIG);
    const regenerate = await rejectsWith(client.regenerateSecret(created.id), 'api_request_rejected', { status: 404 });
    assert.match(regenerate.hint, /^This server has no \/api\/v1 API: POST \/api\/v1\/webhooks\/\{id\}\/regenerate-secret came with \/api\/v1 in later Promptfoo versions/);
    assert.match(regenerate.hint, /creating a new webhook .*accept both secrets/);
    assert.doesNotMatch(regenerate.hint, /check the base URL and the webhook id/);
    const types = await rejectsWith(client.listEventTypes(), 'api_request_rejected', { status: 404 });
    assert.match(types.hint, /no GET \/api\/v1\/webhooks\/event-types.*issue\.created, issue\.updated, issue\.status_changed, issue\.severity_changed and issue\.comment_added/);
  });
  // A fresh client knows nothing yet: one GET of event-types tells it the server has no /api/v1.
  await withApi({ documentOnly: true }, async (api, client) => {
    const error = await rejectsWith(client.regenerateSecret('wh_1'), 'api_request_rejected', { status: 404 });
    assert.match(error.hint, /^This server has no \/api\/v1 API/);
    assert.deepEqual(api.requests.map((r) => `${r.method} ${r.path}`), ['POST /api/v1/webhooks/wh_1/regenerate-secret', 'GET /api/v1/webhooks/event-types']);
    // And its next create goes to /api/webhooks first.
    await client.createWebhook(CONFIG);
    assert.equal(api.requests.at(-1).path, '/api/webhooks');
    assert.equal(api.requests.length, 3);
  });
});

test('regenerateSecret on a server with /api/v1: a 404 is the id, said so', async () => {
  await withApi({}, async (api, client) => {
    const error = await rejectsWith(client.regenerateSecret('wh_missing'), 'api_request_rejected', { status: 404 });
    assert.match(error.hint, /^The server has the \/api\/v1 API but no webhook "wh_missing": check the id\.$/);
  });
});

test('a base URL ending in /api, which the paths repeat, gets the root suggested; one where neither create path exists says so', async () => {
  await withApi({}, async (api) => {
    const client = new ManagementClient({ baseUrl: `${api.url}/api/`, token: API_TOKEN });
    for (const call of [() => client.createWebhook(CONFIG), () => client.regenerateSecret('wh_1'), () => client.listEventTypes()]) {
      const error = await rejectsWith(call(), 'api_request_rejected', { status: 404 });
      assert.match(error.hint, new RegExp(`^The base URL ends in /api, and the paths start with /api/ \\(this asked ${api.url}/api/api/.*\\): try ${api.url} instead\\.$`));
    }
    const elsewhere = new ManagementClient({ baseUrl: `${api.url}/console`, token: API_TOKEN });
    const error = await rejectsWith(elsewhere.createWebhook(CONFIG), 'api_request_rejected', { status: 404 });
    assert.match(error.hint, /^Neither POST \/api\/v1\/webhooks nor the integration document's POST \/api\/webhooks exists at this base URL/);
  });
});

for (const wrap of ['webhook', 'data']) {
  test(`a webhook wrapped as { ${wrap}: ... } is found, for create and regenerate`, async () => {
    await withApi({ wrap }, async (api, client) => {
      const created = await client.createWebhook(CONFIG);
      assert.equal(created.id, 'wh_1');
      const rotated = await client.regenerateSecret('wh_1');
      assert.deepEqual(rotated, { id: 'wh_1', secret: api.webhooks.get('wh_1').secret });
      assert.notEqual(rotated.secret, created.secret);
    });
  });
}

test('regenerateSecret: POST /api/v1/webhooks/{id}/regenerate-secret, the id escaped; an unknown id is a 404 with the server message', async () => {
  await withApi({}, async (api, client) => {
    const { id } = await client.createWebhook(CONFIG);
    const rotated = await client.regenerateSecret(id);
    assert.equal(api.requests[1].path, `/api/v1/webhooks/${id}/regenerate-secret`);
    assert.equal(api.requests[1].body, undefined);
    assert.equal(rotated.secret, api.webhooks.get(id).secret);
    await rejectsWith(client.regenerateSecret('no/such id'), 'api_request_rejected', { status: 404, serverMessage: 'Webhook not found' });
    assert.equal(api.requests.at(-1).path, '/api/v1/webhooks/no%2Fsuch%20id/regenerate-secret');
  });
});

for (const shape of ['array', 'wrapped', 'objects']) {
  test(`listEventTypes: event types as ${shape === 'array' ? 'a bare array' : shape === 'wrapped' ? '{ eventTypes: [...] }' : 'objects with a name'} become names`, async () => {
    await withApi({ eventTypes: shape }, async (api, client) => {
      const names = await client.listEventTypes();
      assert.equal(api.requests[0].method, 'GET');
      assert.equal(api.requests[0].path, '/api/v1/webhooks/event-types');
      assert.deepEqual(names.slice(0, 2), ['issue.created', 'issue.updated']);
      assert.ok(names.includes('report.generated'), 'names this version does not type are kept');
    });
  });
}

test('an invalid config is refused locally with every problem at once, and nothing is sent', async () => {
  await withApi({}, async (api, client) => {
    const error = await rejectsWith(client.createWebhook({ url: 'ftp://x', name: ' ', events: ['issue.craeted'], teamId: 7 }), 'invalid_webhook_config');
    assert.deepEqual(error.problems.map((p) => p.path), ['$.url', '$.name', '$.events[0]', '$.teamId']);
    assert.match(error.message, /did you mean "issue\.created"/);
    assert.equal(api.requests.length, 0);
  });
});

test('a rejected token: api_request_rejected with the status and the server message, the token scrubbed even when echoed', async () => {
  const api = await startManagementApi({ echoToken: true });
  try {
    const client = new ManagementClient({ baseUrl: api.url, token: `${API_TOKEN}-wrong` });
    const error = await rejectsWith(client.listEventTypes(), 'api_request_rejected', { status: 401 });
    assert.match(error.message, /GET \/api\/v1\/webhooks\/event-types answered 401 Unauthorized: Invalid API token \[token\]/);
    assert.ok(!error.message.includes(`${API_TOKEN}-wrong`));
  } finally {
    await api.close();
  }
});

test('a server error is api_request_rejected with its status and message; a 5xx is not retried elsewhere', async () => {
  await withApi({ failWith: 503 }, async (api, client) => {
    await rejectsWith(client.createWebhook(CONFIG), 'api_request_rejected', { status: 503, serverMessage: 'the database is down' });
    assert.equal(api.requests.length, 1, 'only a 404 falls back to /api/webhooks');
  });
});

test('no answer within timeoutMs: api_unreachable, in time', async () => {
  await withApi(
    { hang: true },
    async (api, client) => {
      const started = Date.now();
      const error = await rejectsWith(client.listEventTypes(), 'api_unreachable');
      assert.match(error.message, /no answer within 300 ms/);
      assert.ok(Date.now() - started < 5000);
    },
    { timeoutMs: 300 },
  );
});

test('nothing listening: api_unreachable naming the cause', async () => {
  const api = await startManagementApi();
  const url = api.url;
  await api.close();
  const error = await rejectsWith(new ManagementClient({ baseUrl: url, token: API_TOKEN }).listEventTypes(), 'api_unreachable');
  assert.match(error.message, /ECONNREFUSED/);
});

test('an answer over maxResponseBytes, or not JSON, or without a secret: api_bad_response', async () => {
  await withApi({ hugeAnswer: true }, async (api, client) => {
    const error = await rejectsWith(client.listEventTypes(), 'api_bad_response');
    assert.match(error.message, /over the 1048576-byte limit/);
  });
  await withApi({ notJson: true }, async (api, client) => {
    await rejectsWith(client.listEventTypes(), 'api_bad_response');
  });
  const fakeFetch = async () => new Response(JSON.stringify({ id: 'wh_9', name: 'no secret here' }), { status: 201 });
  const client = new ManagementClient({ baseUrl: 'https://promptfoo.example.com', token: API_TOKEN, fetch: fakeFetch });
  const error = await rejectsWith(client.createWebhook(CONFIG), 'api_bad_response');
  assert.match(error.message, /holds no secret/);
});

test('configuration: options, else PROMPTFOO_API_URL and PROMPTFOO_API_TOKEN; none is api_not_configured naming what is missing', async () => {
  const saved = { url: process.env.PROMPTFOO_API_URL, token: process.env.PROMPTFOO_API_TOKEN };
  try {
    delete process.env.PROMPTFOO_API_URL;
    delete process.env.PROMPTFOO_API_TOKEN;
    const neither = await rejectsWith(Promise.resolve().then(() => new ManagementClient()), 'api_not_configured');
    assert.match(neither.message, /the base URL \(baseUrl or PROMPTFOO_API_URL\) and the API token \(token or PROMPTFOO_API_TOKEN\)/);
    const noToken = await rejectsWith(Promise.resolve().then(() => new ManagementClient({ baseUrl: 'https://p.example.com' })), 'api_not_configured');
    assert.match(noToken.message, /not set: the API token \(token or PROMPTFOO_API_TOKEN\)$/);
    await rejectsWith(Promise.resolve().then(() => new ManagementClient({ baseUrl: 'ftp://p.example.com', token: API_TOKEN })), 'api_not_configured');
    await rejectsWith(Promise.resolve().then(() => new ManagementClient({ baseUrl: `https://user:${API_TOKEN}@p.example.com`, token: API_TOKEN })), 'api_not_configured');
    const api = await startManagementApi();
    try {
      process.env.PROMPTFOO_API_URL = `${api.url}/`;
      process.env.PROMPTFOO_API_TOKEN = API_TOKEN;
      const client = new ManagementClient();
      assert.equal(client.baseUrl, api.url);
      assert.ok((await client.listEventTypes()).length > 0);
    } finally {
      await api.close();
    }
  } finally {
    for (const [key, value] of [['PROMPTFOO_API_URL', saved.url], ['PROMPTFOO_API_TOKEN', saved.token]]) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

test('a base URL with a path prefix keeps it; bad options are TypeErrors; the token is not in inspect or JSON', async () => {
  const client = new ManagementClient({ baseUrl: 'https://tools.example.com/promptfoo/?x=1#y', token: API_TOKEN });
  assert.equal(client.baseUrl, 'https://tools.example.com/promptfoo');
  for (const shown of [inspect(client), JSON.stringify(client), String(Object.keys(client))]) assert.ok(!shown.includes(API_TOKEN), shown);
  assert.throws(() => new ManagementClient({ baseUrl: 'https://p.example.com', token: API_TOKEN, timeoutMs: -1 }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new ManagementClient({ baseUrl: 'https://p.example.com', token: 'a\nb' }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(() => client.regenerateSecret(''), { code: 'ERR_INVALID_ARG_TYPE' });
});
