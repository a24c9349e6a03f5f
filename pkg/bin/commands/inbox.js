// `inbox status | list | retry | purge`: look into a durable inbox (the one
// `serve --inbox` or your receiver writes) and mend it from the shell:
// counts, the newest entries, dead entries made pending again or deleted.
// openInbox is also how `serve --inbox` opens its inbox.
import { existsSync } from 'node:fs';
import * as pkg from '../../dist/node.js';
import { EXIT, TOOL, UsageError, wholeNumberOption } from '../cli.js';

const STATES = ['pending', 'done', 'dead'];
const DEFAULT_LIST_LIMIT = 50;
// While Redis is away after the first connection: try again this often at most.
const REDIS_RECONNECT_MAX_MS = 2000;

export const INBOX_SPEC_HELP = `The inbox is a SQLite file (node:sqlite: Node 22.13 or later), or a Redis
server as redis://[user:password@]host:port[/db] (rediss:// for TLS; with the
redis package installed: npm install redis).`;

const INBOX_EXIT_HELP = `Exit codes:
  0  success
  1  the inbox could not be reached, read or changed, or retry <id> found no
     dead entry <id>
  2  usage error: unknown option, missing argument, no inbox at that path, an
     invalid option value, a Node without node:sqlite, no redis package`;

/** An inbox as the tool may print it: a Redis URL without its password. */
export function shownInbox(spec) {
  if (!isRedisUrl(spec)) return spec;
  try {
    const url = new URL(spec);
    if (url.password !== '') url.password = '***';
    return url.href;
  } catch {
    return `${spec.split('//')[0]}//…`;
  }
}

const isRedisUrl = (spec) => /^rediss?:\/\//i.test(spec);

/**
 * `{ inbox, close() }` for the inbox `spec` names (a SQLite path or a
 * redis:// URL), with `policy` (maxAttempts, retryBaseMs, ...). `mustExist`:
 * a path that is not there is a usage error (a typo would otherwise create
 * an empty inbox and report it as empty).
 */
export async function openInbox(spec, { policy, mustExist = false } = {}) {
  if (spec === undefined) throw new UsageError('missing --inbox <path | redis://host:port>');
  if (spec === '') throw new UsageError('--inbox needs the path of a SQLite file or a redis:// URL');
  if (isRedisUrl(spec)) return openRedisInbox(spec, policy);
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(spec)) throw new UsageError(`--inbox takes a SQLite file's path or a redis:// URL, not ${spec.split('//')[0]}//`);
  if (mustExist && !existsSync(spec)) throw new UsageError(`no inbox at ${spec} (serve --inbox ${spec} creates it)`);
  let inbox;
  try {
    inbox = new pkg.SqliteInbox(spec, policy);
  } catch (error) {
    // The package's (invalid_options: a Node without node:sqlite) or node:sqlite's (no such
    // directory, not a database): how the tool was called, so exit 2 with the usage.
    throw new UsageError(`cannot open the inbox ${spec}: ${error.message}`);
  }
  return { inbox, close: () => inbox.close() };
}

/** A RedisInbox over a node-redis client of the user's `redis` package, connected to `url`. */
async function openRedisInbox(url, policy) {
  const shown = shownInbox(url);
  let redis;
  try {
    redis = await import('redis');
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new UsageError(`--inbox ${shown} needs the redis package (node-redis), which is not installed: npm install redis`);
  }
  let connected = false;
  const client = redis.createClient({
    url,
    // No offline queue: while Redis is away a record fails at once (503), rather than waiting.
    disableOfflineQueue: true,
    // The first connection fails fast (a wrong URL); once up, Redis going away is waited out.
    socket: { reconnectStrategy: (retries, cause) => (connected ? Math.min(50 * 2 ** retries, REDIS_RECONNECT_MAX_MS) : cause) },
  });
  // What goes wrong later surfaces as a failed command (503, a failed claim): no unhandled 'error'.
  client.on('error', () => {});
  try {
    await client.connect();
    connected = true;
  } catch (error) {
    throw new InboxError(`cannot reach the inbox ${shown}: ${error.code ?? error.message}`);
  }
  let inbox;
  try {
    if (typeof pkg.RedisInbox !== 'function') throw new UsageError('this version of the package has no RedisInbox: use a SQLite file');
    inbox = new pkg.RedisInbox({ client, flavor: 'node-redis' }, policy);
  } catch (error) {
    client.destroy();
    throw error;
  }
  return {
    inbox,
    async close() {
      // Its workers stop first (their handlers finish), then the connection, which is ours.
      await inbox.close();
      client.destroy();
    },
  };
}

/** The inbox could not be reached or read: exit 1, its message on stderr. */
export class InboxError extends Error {}

/** Runs `work(inbox)` on the inbox of --inbox, and closes it; an inbox that fails is exit 1. */
async function withInbox(values, work) {
  const opened = await openInbox(values.inbox, { mustExist: true }).catch(unreachable);
  if (opened === undefined) return EXIT.rejected;
  try {
    return await work(opened.inbox);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    console.error(`the inbox ${shownInbox(values.inbox)} failed: ${error.message}`);
    return EXIT.rejected;
  } finally {
    await opened.close();
  }
}

/** For openInbox's rejection: an InboxError printed (undefined: exit 1), anything else thrown on. */
export function unreachable(error) {
  if (!(error instanceof InboxError)) throw error;
  console.error(error.message);
  return undefined;
}

const status = {
  help: `Usage: ${TOOL} inbox status --inbox <inbox> [--json]

Prints how many entries the inbox holds in each state: pending (waiting for
their first or next attempt; leased ones are being run by a worker right
now), done, and dead (out of attempts: see '${TOOL} inbox retry').

Options:
  --inbox <inbox>  a SQLite file's path or redis://host:port[/db]
  --json           one JSON object: { "pending", "leased", "done", "dead" }

${INBOX_SPEC_HELP}

${INBOX_EXIT_HELP}
`,
  options: { inbox: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [0, 0],
  run: (values) =>
    withInbox(values, async (inbox) => {
      const counts = await inbox.counts();
      if (values.json) console.log(JSON.stringify(counts));
      else console.log(`pending ${counts.pending} (${counts.leased} leased)\ndone    ${counts.done}\ndead    ${counts.dead}`);
      return EXIT.ok;
    }),
};

const list = {
  help: `Usage: ${TOOL} inbox list --inbox <inbox> [--state pending|done|dead] [--limit N] [--json]

Lists the newest entries (without their bodies): id, state, attempts, when
received, the issue, the size, and for one that failed its last error.

Options:
  --inbox <inbox>   a SQLite file's path or redis://host:port[/db]
  --state <state>   only entries in this state: pending, done or dead
  --limit <N>       at most N entries; default ${DEFAULT_LIST_LIMIT}
  --json            a JSON array of { id, state, attempts, receivedAt, webhookId,
                    issueId, size, lastError, nextAttemptAt } (times in ms since 1970)

${INBOX_SPEC_HELP}

${INBOX_EXIT_HELP}
`,
  options: { inbox: { type: 'string' }, state: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [0, 0],
  run(values) {
    const { state } = values;
    if (state !== undefined && !STATES.includes(state)) throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
    const limit = values.limit === undefined ? DEFAULT_LIST_LIMIT : wholeNumberOption('--limit', values.limit);
    return withInbox(values, async (inbox) => {
      const entries = await inbox.list({ state, limit });
      if (values.json) {
        console.log(JSON.stringify(entries));
        return EXIT.ok;
      }
      if (entries.length === 0) console.log(`no ${state === undefined ? '' : `${state} `}entries`);
      for (const entry of entries) for (const line of describeEntry(entry)) console.log(line);
      return EXIT.ok;
    });
  },
};

const retry = {
  help: `Usage: ${TOOL} inbox retry <id> --inbox <inbox>
       ${TOOL} inbox retry --dead --inbox <inbox>

Makes dead entry <id> (or, with --dead, every dead entry) pending again,
from attempt 1: the next worker on the inbox (serve --inbox, or your
receiver's) runs it with the retry policy it was started with. Prints how
many entries it made pending.

Options:
  --inbox <inbox>  a SQLite file's path or redis://host:port[/db]
  --dead           every dead entry

${INBOX_SPEC_HELP}

${INBOX_EXIT_HELP}
`,
  options: { inbox: { type: 'string' }, dead: { type: 'boolean' } },
  positionals: [0, 1],
  run(values, [id]) {
    if ((id === undefined) === (values.dead !== true)) throw new UsageError('give an entry id or --dead, one of the two');
    // Entry ids are whole numbers, in SQLite and in Redis.
    const which = id === undefined ? 'dead' : wholeNumberOption('the entry id', id);
    return withInbox(values, async (inbox) => {
      const made = await inbox.retry(which);
      if (id !== undefined && made === 0) {
        console.error(`no dead entry ${id}: '${TOOL} inbox list --state dead' lists them`);
        return EXIT.rejected;
      }
      console.log(`${made} dead ${made === 1 ? 'entry' : 'entries'} made pending again`);
      return EXIT.ok;
    });
  },
};

const purge = {
  help: `Usage: ${TOOL} inbox purge --dead --inbox <inbox>

Deletes every dead entry (their bodies too) and prints how many. Only dead
entries: pending ones are still to run, and done ones are what makes a
repeated delivery a duplicate.

Options:
  --inbox <inbox>  a SQLite file's path or redis://host:port[/db]
  --dead           required: says what is deleted

${INBOX_SPEC_HELP}

${INBOX_EXIT_HELP}
`,
  options: { inbox: { type: 'string' }, dead: { type: 'boolean' } },
  positionals: [0, 0],
  run(values) {
    if (values.dead !== true) throw new UsageError('purge deletes dead entries only: say so with --dead');
    return withInbox(values, async (inbox) => {
      const deleted = await inbox.purgeDead();
      console.log(`${deleted} dead ${deleted === 1 ? 'entry' : 'entries'} deleted`);
      return EXIT.ok;
    });
  },
};

/** The lines `inbox list` prints for an entry. */
function describeEntry(entry) {
  const facts = [
    `#${entry.id}`,
    entry.state.padEnd(7),
    `${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'}`,
    `received ${new Date(entry.receivedAt).toISOString()}`,
    entry.issueId === undefined ? undefined : `issue ${entry.issueId}`,
    entry.webhookId === undefined ? undefined : `webhook ${entry.webhookId}`,
    `${entry.size} bytes`,
  ].filter((fact) => fact !== undefined);
  const lines = [facts.join('  ')];
  if (entry.nextAttemptAt !== undefined && entry.attempts > 0) lines.push(`    next attempt ${new Date(entry.nextAttemptAt).toISOString()}`);
  // An error's first line: the rest is its stack.
  if (entry.lastError !== undefined) lines.push(`    last error: ${entry.lastError.split('\n')[0]}`);
  return lines;
}

export const inbox = {
  help: `Usage: ${TOOL} inbox <status | list | retry | purge> --inbox <inbox> [options]

The durable inbox of 'serve --inbox' (or of your receiver): how many entries
are pending, done or dead, the newest ones, and dead ones made pending again
or deleted. Run '${TOOL} inbox <command> --help' for a command's options.

${INBOX_SPEC_HELP}

${INBOX_EXIT_HELP}
`,
  subcommands: { status, list, retry, purge },
};
