// Type tests for the options under exactOptionalPropertyTypes (on in this
// project's tsconfig): every optional member of an options type takes an
// explicit `undefined` (the JavaScript treats it as absent), so
// `{ toleranceSeconds: tol ? Number(tol) : undefined }` compiles; a value of
// the wrong type is still refused. Checked with `make test-types`.
import {
  buildEvent,
  createFetchHandler,
  createInboxWorker,
  createNodeMiddleware,
  createQueueConsumer,
  DurableObjectReplayStore,
  ManagementClient,
  MemoryReplayStore,
  RedisReplayStore,
  sampleEvent,
  SqliteInbox,
  issueChangeEvent,
  verify,
  Webhook,
  Webhooks,
  type AdapterAnswer,
  type AnswerHandler,
  type ErrorHandler,
  type FetchHandler,
  type Logger,
  type ReplayGuardNamespace,
  type SecretSource,
  type WebhookEvent,
} from 'promptfoo-webhooks';

declare const env: Record<string, string | undefined>;
const secret = 'whsec-test-0123456789abcdef';
const tolerance = env.TOLERANCE ? Number(env.TOLERANCE) : undefined;

// The issue's line, in every place the verify options go.
verify('{}', 'sig', secret, { toleranceSeconds: tolerance, webhookId: undefined });
new Webhook(secret, { toleranceSeconds: tolerance });
new Webhooks({ secret, toleranceSeconds: tolerance });
createNodeMiddleware(secret, { toleranceSeconds: tolerance });
createFetchHandler(secret, { toleranceSeconds: tolerance });
// @ts-expect-error the window is a number of seconds, not the variable's text
new Webhook(secret, { toleranceSeconds: env.TOLERANCE });

// Every optional member of every options type, explicitly undefined.
const store = new MemoryReplayStore({ maxEntries: undefined, now: undefined });
new Webhook(secret, {
  toleranceSeconds: undefined,
  maxBodyBytes: undefined,
  allowParsedBody: undefined,
  now: undefined,
  webhookSecrets: undefined,
  dedupe: { store, ttlSeconds: undefined, failOpen: undefined },
  bodyTimeoutMs: undefined,
});
const webhooks = new Webhooks({ secret: undefined, webhookSecrets: { a: secret }, dedupe: undefined });
webhooks.on('issue.created', () => {}, { severity: undefined, change: undefined });
webhooks.verifyAndReceive({ body: '{}', signature: 'sig', webhookId: undefined, env: undefined });
const adapterOptions = {
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
} as const;
createNodeMiddleware(secret, adapterOptions);
createFetchHandler(secret, adapterOptions);
createNodeMiddleware(webhooks, { path: undefined, onError: undefined, onAnswer: undefined, logger: undefined });
// @ts-expect-error a path is a string
createNodeMiddleware(secret, { path: 42 });

new RedisReplayStore({ command: async () => 'OK', prefix: undefined, timeoutMs: undefined, client: undefined, flavor: undefined });
// @ts-expect-error a command and a client are one or the other
new RedisReplayStore({ command: async () => 'OK', client: { set: () => 'OK' } });
declare const namespace: ReplayGuardNamespace;
new DurableObjectReplayStore(namespace, { shards: undefined, name: undefined });

const inbox = new SqliteInbox('./inbox.db', {
  maxAttempts: undefined,
  retryBaseMs: undefined,
  retryMaxMs: undefined,
  leaseMs: undefined,
  concurrency: undefined,
  pollMs: undefined,
  keepDoneMs: undefined,
});
inbox.list({ state: undefined, limit: undefined });
createInboxWorker({ inbox, webhooks, onEvent: undefined, forwardTo: undefined, onDead: undefined, onError: undefined, logger: undefined });
createQueueConsumer({
  webhooks,
  onEvent: undefined,
  forwardTo: undefined,
  deadLetterQueue: undefined,
  onDead: undefined,
  onError: undefined,
  logger: undefined,
  retryBaseMs: undefined,
  retryMaxMs: undefined,
});

const sample = sampleEvent('issue.created', { timestamp: undefined });
buildEvent('issue.created', sample.data, { timestamp: undefined });
issueChangeEvent(sample.data.issue, { ...sample.data.issue, status: 'fixed' }, { userId: undefined, timestamp: undefined });
new ManagementClient({ baseUrl: env.PROMPTFOO_API_URL, token: env.PROMPTFOO_API_TOKEN }).createWebhook({
  url: 'https://example.com/hook',
  name: 'hook',
  events: ['issue.created'],
  teamId: env.TEAM_ID,
  enabled: undefined,
});

// A secret or a function of env, as one value: both adapters take it.
interface Bindings {
  PROMPTFOO_WEBHOOK_SECRET?: string;
}
declare const either: SecretSource<Bindings>;
const fetchHandler: FetchHandler<Bindings> = createFetchHandler(either, { toleranceSeconds: 300 });
createNodeMiddleware(either as SecretSource<Record<string, string | undefined>>);
// The narrower overloads still infer: a function's env is the handler's.
const fromEnv: FetchHandler<Bindings> = createFetchHandler((e: Bindings) => e.PROMPTFOO_WEBHOOK_SECRET);
// @ts-expect-error a number is no secret
createFetchHandler(42 as SecretSource<Bindings> | number);

// The handler types, for a handler written apart from its options.
const onError: ErrorHandler = (error, event) => {
  // @ts-expect-error what was thrown is unknown until narrowed
  const message: string = error.message;
  const name: string | undefined = error instanceof Error ? error.message : undefined;
  const which: WebhookEvent['event'] | undefined = event?.event;
  return [message, name, which];
};
const onAnswer: AnswerHandler = (answer: AdapterAnswer) => {
  const status: number = answer.status;
  const received: string | undefined = answer.event?.event;
  // @ts-expect-error the body read is bytes or text, not a parsed object
  const parsed: object = answer.request.body;
  return [status, received, parsed];
};
const logger: Logger = console;
createFetchHandler(secret, { onError, onAnswer, logger });
createInboxWorker({ inbox, webhooks, onError, logger });

export { fetchHandler, fromEnv };
