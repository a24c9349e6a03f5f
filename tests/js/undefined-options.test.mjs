// An option set to undefined is an option not given, everywhere: the types
// say `?: T | undefined` (so `{ toleranceSeconds: tol ? Number(tol) : undefined }`
// compiles under exactOptionalPropertyTypes), and here each call taking
// options gets every optional member explicitly undefined and must behave
// as with none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildEvent,
  CloudflareQueueInbox,
  createFetchHandler,
  createInboxWorker,
  createNodeMiddleware,
  createQueueConsumer,
  DurableObjectReplayStore,
  issueChangeEvent,
  ManagementClient,
  MemoryReplayStore,
  RedisReplayStore,
  sampleEvent,
  signPayload,
  validateWebhookConfig,
  verify,
  Webhook,
  Webhooks,
} from 'promptfoo-webhooks';

const SECRET = 'whsec-test-0123456789abcdef';
const EVENT = sampleEvent('issue.created');
const { body, headers } = signPayload(EVENT, SECRET);
const signature = headers['X-Promptfoo-Signature'];
const post = () => new Request('http://receiver.test/webhooks/promptfoo', { method: 'POST', body, headers });

const VERIFY_OPTIONS = {
  toleranceSeconds: undefined,
  maxBodyBytes: undefined,
  allowParsedBody: undefined,
  now: undefined,
  webhookSecrets: undefined,
  bodyTimeoutMs: undefined,
};
const ADAPTER_OPTIONS = {
  path: undefined,
  onEvent: undefined,
  onError: undefined,
  onAnswer: undefined,
  forwardTo: undefined,
  logger: undefined,
  inbox: undefined,
  processInbox: undefined,
  onDead: undefined,
  answerWithinMs: undefined,
};

test('verify, Webhook and Webhooks: undefined options verify as no options', async () => {
  const { bodyTimeoutMs, ...syncOptions } = VERIFY_OPTIONS;
  assert.equal(bodyTimeoutMs, undefined);
  assert.equal(verify(body, signature, SECRET, { ...syncOptions, webhookId: undefined }).event, 'issue.created');
  const store = new MemoryReplayStore({ maxEntries: undefined, now: undefined });
  const webhook = new Webhook(SECRET, { ...VERIFY_OPTIONS, dedupe: { store, ttlSeconds: undefined, failOpen: undefined } });
  assert.equal((await webhook.verifyOnce(body, signature)).event, 'issue.created');
  await assert.rejects(webhook.verifyOnce(body, signature), { code: 'duplicate_delivery' });

  const webhooks = new Webhooks({ secret: SECRET, ...VERIFY_OPTIONS, dedupe: undefined });
  const seen = [];
  webhooks.on('issue.created', (event) => seen.push(event.event), { severity: undefined, change: undefined });
  await webhooks.verifyAndReceive({ body, signature, webhookId: undefined, env: undefined });
  assert.deepEqual(seen, ['issue.created']);
});

test('adapters: every option undefined answers as the defaults do (onDead and processInbox need no inbox then)', async () => {
  for (const adapter of [createNodeMiddleware, createFetchHandler]) {
    assert.equal(typeof adapter(SECRET, { ...ADAPTER_OPTIONS, ...VERIFY_OPTIONS }), 'function');
    assert.equal(typeof adapter(new Webhooks({ secret: SECRET }), { ...ADAPTER_OPTIONS, ...VERIFY_OPTIONS }), 'function');
  }
  const answer = await createFetchHandler(SECRET, { ...ADAPTER_OPTIONS, ...VERIFY_OPTIONS })(post());
  assert.equal(answer.status, 200);
  assert.deepEqual(await answer.json(), { received: 'issue.created' });
  // answerWithinMs is refused beside an inbox only when it is given.
  assert.equal(typeof createFetchHandler(SECRET, { inbox: new CloudflareQueueInbox(), answerWithinMs: undefined }), 'function');
  assert.throws(() => createFetchHandler(SECRET, { inbox: new CloudflareQueueInbox(), answerWithinMs: 100 }), { code: 'invalid_options' });
  assert.throws(() => createFetchHandler(SECRET, { onDead: () => {} }), { code: 'invalid_options' });
  // With a router, an unknown name stays refused, undefined or not.
  assert.throws(() => createFetchHandler(new Webhooks({ secret: SECRET }), { maxBodyBytes: 10 }), { code: 'invalid_options' });
  assert.throws(() => createFetchHandler(new Webhooks({ secret: SECRET }), { misspelt: undefined }), { code: 'invalid_options' });
});

test('stores, consumers, event builders and the management client: undefined members are defaults', async () => {
  const sent = [];
  const redis = new RedisReplayStore({
    command: async (args) => (sent.push(args), 'OK'),
    prefix: undefined,
    timeoutMs: undefined,
    client: undefined,
    flavor: undefined,
  });
  assert.equal(await redis.claim('k', 5), true);
  assert.deepEqual(sent, [['SET', 'k', '1', 'NX', 'EX', '5']]);
  const namespace = { idFromName: (name) => name, get: () => ({ fetch: async () => Response.json(true) }) };
  assert.equal(new DurableObjectReplayStore(namespace, { shards: undefined, name: undefined }).shardOf('k'), 0);

  const consumerOptions = { onEvent: undefined, forwardTo: undefined, onDead: undefined, onError: undefined, logger: undefined };
  const webhooks = new Webhooks({ secret: SECRET });
  const queue = createQueueConsumer({ webhooks, ...consumerOptions, deadLetterQueue: undefined, retryBaseMs: undefined, retryMaxMs: undefined });
  assert.equal(typeof queue, 'function');
  const inbox = {
    policy: { maxAttempts: 8, retryBaseMs: 1000, retryMaxMs: 1000, leaseMs: 30000, concurrency: 1, pollMs: 60000, keepDoneMs: 1 },
    claim: async () => [],
    renew: async () => true,
    ack: async () => {},
    fail: async () => {},
    record: async () => ({ id: 1, duplicate: false }),
    close: async () => {},
  };
  await createInboxWorker({ inbox, webhooks, ...consumerOptions }).stop();

  assert.match(buildEvent('issue.created', EVENT.data, { timestamp: undefined }).timestamp, /^\d{4}-\d\d-\d\dT/);
  assert.match(sampleEvent('issue.created', { timestamp: undefined }).timestamp, /^\d{4}-\d\d-\d\dT/);
  const fixed = issueChangeEvent(EVENT.data.issue, { ...EVENT.data.issue, status: 'fixed', severity: 'low' }, { userId: undefined, timestamp: undefined });
  assert.equal(fixed.event, 'issue.updated');
  assert.equal('userId' in fixed.data, false);
  const config = { url: 'https://example.com/hook', name: 'hook', events: ['issue.created'], teamId: undefined, enabled: true };
  assert.equal(validateWebhookConfig(config).ok, true);
  const client = new ManagementClient({
    baseUrl: 'https://promptfoo.example.com',
    token: 'token',
    timeoutMs: undefined,
    maxResponseBytes: undefined,
    fetch: undefined,
    allowInsecureHttp: undefined,
  });
  assert.equal(client.timeoutMs, 10_000);
});
