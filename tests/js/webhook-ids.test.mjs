// Secrets chosen by X-Webhook-Id (the webhookSecrets option) on every
// receiving surface: verify, Webhook (verify, verifyOnce, verifyRequest),
// the Webhooks router, both adapters over real HTTP, and the CLI's serve.
// A known id verifies with its own secrets (rotation per id), an unknown
// one is 401 unknown_webhook, a missing header falls back to the plain
// secret, and without webhookSecrets the header is ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  createFetchHandler,
  createNodeMiddleware,
  MemoryReplayStore,
  sampleEvent,
  signPayload,
  verify,
  Webhook,
  Webhooks,
  WebhookVerificationError,
} from 'promptfoo-webhooks';
import { start } from './support/cli.mjs';

const SIEM = 'siem-secret-0123456789abcdef';
const JIRA_NEW = 'jira-new-secret-0123456789ab';
const JIRA_OLD = 'jira-old-secret-0123456789ab';
const SHARED = 'shared-secret-0123456789abcd';
const BY_ID = { wh_siem: SIEM, wh_jira: [JIRA_NEW, JIRA_OLD] };

/** A delivery signed with `secret`: { body, signature }. */
function signedWith(secret) {
  const { body, headers } = signPayload(sampleEvent('issue.created'), secret);
  return { body, signature: headers['X-Promptfoo-Signature'], headers };
}

/**
 * The cases every surface must answer alike: [label, signed with, X-Webhook-Id, expected secretIndex or code].
 * With BY_ID and SHARED as the plain secret.
 */
const CASES = [
  ['a known id, its secret', SIEM, 'wh_siem', 0],
  ['a known id, its older secret (rotation per id)', JIRA_OLD, 'wh_jira', 1],
  ["another webhook's secret", SIEM, 'wh_jira', 'signature_mismatch'],
  ['an unknown id', SIEM, 'wh_unknown', 'unknown_webhook'],
  ['no header: the plain secret', SHARED, undefined, 0],
  ['no header, signed with a per-id secret', SIEM, undefined, 'signature_mismatch'],
];

/** Runs `attempt(delivery, webhookId)` for every case; it resolves to the event or throws. */
async function expectCases(surface, attempt) {
  for (const [label, secret, webhookId, expected] of CASES) {
    let outcome;
    try {
      outcome = (await attempt(signedWith(secret), webhookId)).secretIndex;
    } catch (error) {
      assert.ok(error instanceof WebhookVerificationError, `${surface}, ${label}: ${error}`);
      outcome = error.code;
    }
    assert.equal(outcome, expected, `${surface}, ${label}`);
  }
}

test('verify(body, signature, secret, { webhookSecrets, webhookId }), with an object and with a resolver', async () => {
  await expectCases('verify, object', ({ body, signature }, webhookId) => verify(body, signature, SHARED, { webhookSecrets: BY_ID, webhookId }));
  const asked = [];
  const resolve = (id) => {
    asked.push(id);
    return BY_ID[id];
  };
  await expectCases('verify, resolver', ({ body, signature }, webhookId) => verify(body, signature, SHARED, { webhookSecrets: resolve, webhookId }));
  assert.ok(asked.includes('wh_unknown'));
});

test('Webhook: verify, verifyOnce (a repeat per id) and verifyRequest (the header read from the Request)', async () => {
  const webhook = new Webhook(SHARED, { webhookSecrets: BY_ID, dedupe: { store: new MemoryReplayStore() } });
  await expectCases('Webhook.verify', ({ body, signature }, webhookId) => webhook.verify(body, signature, webhookId));
  await expectCases('Webhook.verifyOnce', ({ body, signature }, webhookId) => webhook.verifyOnce(body, signature, webhookId));
  const again = signedWith(SIEM);
  await webhook.verifyOnce(again.body, again.signature, 'wh_siem');
  await assert.rejects(webhook.verifyOnce(again.body, again.signature, 'wh_siem'), { code: 'duplicate_delivery' });
  const plain = new Webhook(SHARED, { webhookSecrets: BY_ID });
  await expectCases('Webhook.verifyRequest', ({ body, headers }, webhookId) =>
    plain.verifyRequest(new Request('http://127.0.0.1/', { method: 'POST', body, headers: webhookId === undefined ? headers : { ...headers, 'X-Webhook-Id': webhookId } })),
  );
});

test('without the plain secret, a delivery without the header is unknown_webhook; an unset secret in the map fails at start-up', () => {
  const webhook = new Webhook(undefined, { webhookSecrets: BY_ID });
  const { body, signature } = signedWith(SIEM);
  assert.equal(webhook.verify(body, signature, 'wh_siem').secretIndex, 0);
  assert.throws(() => webhook.verify(body, signature), { code: 'unknown_webhook', message: /no X-Webhook-Id header/ });
  assert.throws(() => new Webhook(undefined, { webhookSecrets: { wh_siem: process.env.NEVER_SET_SECRET } }), {
    code: 'invalid_secret',
    message: /webhookSecrets\["wh_siem"\]/,
  });
  assert.throws(() => new Webhook(SHARED, { webhookSecrets: 'wh_siem' }), { code: 'invalid_options' });
  assert.throws(() => new Webhook(SHARED, { webhookId: 'wh_siem' }), { code: 'invalid_options', message: /read from each delivery/ });
  // Without webhookSecrets the header is not read: the plain secret verifies whatever id is sent.
  assert.equal(new Webhook(SHARED).verify(...Object.values(signedWith(SHARED)).slice(0, 2), 'wh_anything').secretIndex, 0);
});

test('Webhooks router: verifyAndReceive({ webhookId }) and a resolver given the env', async () => {
  const received = [];
  const webhooks = new Webhooks({ secret: SHARED, webhookSecrets: BY_ID }).onAny((event) => received.push(event.event));
  await expectCases('Webhooks.verifyAndReceive', ({ body, signature }, webhookId) => webhooks.verifyAndReceive({ body, signature, webhookId }));
  assert.equal(received.length, 3);
  const fromEnv = new Webhooks({ secret: (env) => env.SHARED, webhookSecrets: (id, env) => env.BY_ID[id] });
  await expectCases('Webhooks.verify with env', ({ body, signature }, webhookId) => fromEnv.verify(body, signature, { SHARED, BY_ID }, webhookId));
});

test('createNodeMiddleware and createFetchHandler over HTTP: the header picks the secrets; an unknown id is a 401', async () => {
  const middleware = createNodeMiddleware(SHARED, { webhookSecrets: BY_ID, logger: false });
  const handler = createFetchHandler(SHARED, { webhookSecrets: BY_ID, logger: false });
  // The body read by a parser first (express.raw): the header still picks the secrets.
  const rawFirst = (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk)).on('end', () => {
      req.body = Buffer.concat(chunks);
      middleware(req, res);
    });
  };
  const node = createServer((req, res) => (req.url === '/raw' ? rawFirst(req, res) : middleware(req, res)));
  await new Promise((resolve) => node.listen(0, '127.0.0.1', resolve));
  const nodeUrl = `http://127.0.0.1:${node.address().port}/`;
  try {
    // An accepted answer does not say which secret matched: the verdict is checked (200, or 401 and the code).
    for (const [label, secret, webhookId, expected] of CASES) {
      const { body, headers } = signedWith(secret);
      const init = { method: 'POST', body, headers: webhookId === undefined ? headers : { ...headers, 'X-Webhook-Id': webhookId } };
      const responses = [await fetch(nodeUrl, init), await fetch(`${nodeUrl}raw`, init), await handler(new Request('http://127.0.0.1/', init))];
      for (const response of responses) {
        const answer = await response.json();
        if (typeof expected === 'number') assert.equal(response.status, 200, `${label}: ${JSON.stringify(answer)}`);
        else assert.deepEqual([response.status, answer.error], [401, expected], label);
      }
    }
  } finally {
    await new Promise((resolve) => node.close(resolve));
  }
});

test('serve --webhook-secret id=secret: the CLI receiver picks secrets by X-Webhook-Id; no --secret needed', async () => {
  const child = start(['serve', '--port', '0', '--json', '--webhook-secret', `wh_siem=${SIEM}`, '--webhook-secret', `wh_jira=${JIRA_NEW}`, '--webhook-secret', `wh_jira=${JIRA_OLD}`]);
  try {
    const url = await new Promise((resolve, reject) => {
      child.stderr.on('data', () => {
        const match = /Listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(child.output.stderr);
        if (match) resolve(match[1]);
      });
      child.exited.then(({ code, stderr }) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    const expected = [];
    for (const [label, secret, webhookId, outcome] of CASES.filter(([, , id]) => id !== undefined)) {
      const { body, headers } = signedWith(secret);
      const response = await fetch(url, { method: 'POST', body, headers: { ...headers, 'X-Webhook-Id': webhookId } });
      const answer = await response.json();
      if (typeof outcome === 'number') assert.equal(response.status, 200, label);
      else assert.deepEqual([response.status, answer.error], [401, outcome], label);
      expected.push(outcome);
    }
    const noHeader = signedWith(SIEM);
    const response = await fetch(url, { method: 'POST', body: noHeader.body, headers: noHeader.headers });
    assert.deepEqual([response.status, (await response.json()).error], [401, 'unknown_webhook']);
    for (let waited = 0; child.output.stdout.trim().split('\n').length < expected.length + 1 && waited < 5000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const lines = child.output.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => line.secretIndex ?? line.code), [...expected, 'unknown_webhook']);
  } finally {
    child.kill('SIGTERM');
    await child.exited;
  }
  for (const secret of [SIEM, JIRA_NEW, JIRA_OLD]) assert.ok(!child.output.stdout.includes(secret) && !child.output.stderr.includes(secret));
});
