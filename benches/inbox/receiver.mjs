// One receiver for benches/inbox.mjs: node:http + createNodeMiddleware,
// with the inbox INBOX names (none, sqlite:<path>, redis://...), handlers
// that do nothing. Prints `listening <url>` once it listens.
import { createServer } from 'node:http';
import { createNodeMiddleware, SqliteInbox } from 'promptfoo-webhooks';

const { SECRET, INBOX = 'none' } = process.env;

async function openInbox(spec) {
  if (spec === 'none') return undefined;
  if (spec.startsWith('sqlite:')) return new SqliteInbox(spec.slice('sqlite:'.length));
  if (spec.startsWith('redis://')) {
    const { RedisInbox } = await import('promptfoo-webhooks');
    const { createClient } = await import('redis');
    const client = await createClient({ url: spec }).connect();
    return new RedisInbox({ client, flavor: 'node-redis' });
  }
  throw new Error(`unknown INBOX ${spec}`);
}

const inbox = await openInbox(INBOX);
const server = createServer(createNodeMiddleware(SECRET, { inbox, onEvent: () => {}, logger: false }));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}/`));
