// Type tests for the inboxes: each `@ts-expect-error` line must fail to
// compile, every other line must compile. Checked with `make test-types`.
import {
  CloudflareQueueInbox,
  createFetchHandler,
  createInboxWorker,
  createNodeMiddleware,
  RedisInbox,
  SqliteInbox,
  Webhooks,
  type InboxContext,
  type InboxCounts,
  type InboxListing,
  type ManagedInbox,
} from 'promptfoo-webhooks';

const secret = 'whsec-test-0123456789abcdef';
const sqlite = new SqliteInbox('./inbox.db', { maxAttempts: 5, retryBaseMs: 500, keepDoneMs: 3_600_000 });
// @ts-expect-error a policy value is a number of milliseconds or attempts
new SqliteInbox('./inbox.db', { maxAttempts: '5' });
// @ts-expect-error the path is required
new SqliteInbox();

// Handlers run from an inbox get the attempt and the entry id.
createNodeMiddleware(secret, {
  inbox: sqlite,
  onEvent: (event, context?: InboxContext) => [event.event, context?.attempt, context?.entryId],
  onDead: (entry, error) => [entry.id, entry.attempt, entry.body.byteLength, error],
});
createNodeMiddleware(new Webhooks({ secret }), { inbox: sqlite, processInbox: false });
// @ts-expect-error processInbox is a boolean
createNodeMiddleware(secret, { inbox: sqlite, processInbox: 'no' });
// @ts-expect-error an inbox is an object with the inbox's methods
createNodeMiddleware(secret, { inbox: './inbox.db' });

// Both pull inboxes can be looked at and mended.
async function look(inbox: ManagedInbox): Promise<[InboxCounts, InboxListing[], number, number]> {
  return [await inbox.counts(), await inbox.list({ state: 'dead', limit: 10 }), await inbox.retry('dead'), await inbox.purgeDead()];
}
look(sqlite);
declare const redisClient: { sendCommand(args: string[]): Promise<unknown> };
const redis = new RedisInbox({ client: redisClient, flavor: 'node-redis', prefix: 'pfw:' }, { leaseMs: 10_000 });
look(redis);
// @ts-expect-error a client needs its flavor
new RedisInbox({ client: redisClient });

const worker = createInboxWorker({ inbox: redis, onEvent: (event, context) => context?.receivedAt });
worker.kick();
const stopped: Promise<void> = worker.stop();

// Workers: a push inbox records, the queue consumer runs the handlers.
createFetchHandler(secret, { inbox: new CloudflareQueueInbox('PROMPTFOO_DELIVERIES') });
export { stopped };
