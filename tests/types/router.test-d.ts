// Type tests for the router and adapters: each `@ts-expect-error` line must
// fail to compile (tsc reports an unused directive otherwise), every other
// line must compile. Checked with `make test-types`.
import {
  createFetchHandler,
  createNodeMiddleware,
  Webhooks,
  type EventFor,
  type WebhookEvent,
  type WebhookHandlerError,
} from 'promptfoo-webhooks';

const webhooks = new Webhooks({ secret: 'whsec-test-0123456789abcdef', toleranceSeconds: 300 });

// One name: the event is that event.
webhooks.on('issue.updated', (e) => {
  const changes: string[] = e.data.eventData.changes;
  const user: string | null | undefined = e.data.userId;
  const name: 'issue.updated' = e.event;
  return [changes, user, name];
});
webhooks.on('issue.created', (e) => {
  const severity: string | null | undefined = e.data.issue.severity;
  // @ts-expect-error issue.created carries no typed userId (only issue.updated does)
  const user: string | undefined = e.data.userId;
  // @ts-expect-error changes are optional outside issue.updated
  const changes: string[] = e.data.eventData.changes;
  // @ts-expect-error the event is issue.created, not issue.updated
  const name: 'issue.updated' = e.event;
  return [severity, user, changes, name];
});
webhooks.on('evaluation.completed', (e) => {
  const job: string = e.data.jobId;
  // @ts-expect-error evaluation events have no issue
  const id: string = e.data.issue.id;
  return [job, id];
});

// Several names: a union of exactly those events.
webhooks.on(['issue.status_changed', 'issue.severity_changed'], (e) => {
  const name: 'issue.status_changed' | 'issue.severity_changed' = e.event;
  // @ts-expect-error issue.created is not among the names
  const created: 'issue.created' = e.event;
  return [name, created];
});
webhooks.on(['issue.created', 'evaluation.failed'], (e) => {
  if (e.event === 'evaluation.failed') {
    const job: string = e.data.jobId;
    return job;
  }
  const id: string = e.data.issue.id;
  // @ts-expect-error not narrowed to evaluation.failed here
  const job: string = e.data.jobId;
  return [id, job];
});

// Typos do not compile: event names and severities are the known ones.
// @ts-expect-error a misspelt event name
webhooks.on('issue.craeted', () => {});
// @ts-expect-error one misspelt name among several
webhooks.on(['issue.created', 'issue.craeted'], () => {});
// @ts-expect-error a misspelt severity
webhooks.on('issue.created', () => {}, { severity: 'hgih' });
// @ts-expect-error EventFor takes known names only
type Misspelt = EventFor<'issue.craeted'>;

// A name this version does not know: onUnknown (or onAny), with untyped data.
// @ts-expect-error on() takes known names only
webhooks.on('issue.archived', () => {});
webhooks.onUnknown((e) => {
  const name: string = String(e.event);
  const data: unknown = e.data;
  // @ts-expect-error unknown events have no typed data
  const id: string = e.data.issueId;
  return [name, data, id];
});

// off / removeListener take the same names, and '*' for onAny / onUnknown.
const page = (e: EventFor<'issue.created'>) => e.data.issue.id;
webhooks.on('issue.created', page).off('issue.created', page).removeListener(['issue.updated', '*'], page);
// @ts-expect-error a misspelt name
webhooks.off('issue.craeted', page);

// Filters.
webhooks.on('issue.created', () => {}, { severity: ['critical', 'high'] });
webhooks.on('issue.updated', () => {}, { change: ['status changed to fixed', /^severity changed/] });
// @ts-expect-error a severity is a string
webhooks.on('issue.created', () => {}, { severity: 3 });
// @ts-expect-error filters are severity and change only
webhooks.on('issue.created', () => {}, { status: 'open' });

// onAny, onError, chaining, receiving.
webhooks
  .onAny((e: WebhookEvent) => e.event)
  .onError((error: WebhookHandlerError) => error.errors.length);
async function receiveAll(body: string, signature: string) {
  const event = await webhooks.verifyAndReceive({ body, signature });
  const index: number = event.secretIndex;
  await webhooks.receive(event);
  return index;
}

// Secrets from a Worker's env.
interface Env {
  PROMPTFOO_WEBHOOK_SECRET: string;
}
const fromEnv = new Webhooks<Env>({ secret: (env) => env.PROMPTFOO_WEBHOOK_SECRET });
// @ts-expect-error Env has no such binding
new Webhooks<Env>({ secret: (env) => env.MISSING });

// Adapters.
const handler = createFetchHandler(fromEnv);
const worker = {
  fetch: (request: Request, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }) => handler(request, env, ctx),
};
const nextRoute: (request: Request) => Promise<Response> = createFetchHandler('whsec-test-0123456789abcdef', {
  onEvent: (e) => e.event,
  maxBodyBytes: 1024,
});
const middleware = createNodeMiddleware(webhooks, { path: '/hook', onError: (error) => console.error(error) });
// @ts-expect-error verify options belong to the router when one is given
createNodeMiddleware(webhooks, { maxBodyBytes: 10 });
// @ts-expect-error onEvent is for the secret form; register handlers on the router
createFetchHandler(webhooks, { onEvent: () => {} });

export { receiveAll, worker, nextRoute, middleware };
