// A receiver process for the inbox tests: an HTTP server on 127.0.0.1 (port
// 0) with createNodeMiddleware and a SqliteInbox, killed by the tests.
// Prints one line `{"port":N}` once it listens. The secret comes in the
// environment (PFW_TEST_SECRET), the rest as JSON in argv[2]:
//   dbPath, policy          the inbox file and its policy
//   mode 'effects'          the handler logs its start, sleeps 0..sleepMaxMs,
//                           then does its side effect keyed by entry id
//                           (INSERT OR IGNORE into effectsPath)
//   mode 'slow'             the handler logs its start, then waits holdMs
//   attemptsLog             one JSON line per handler start: { pid, entryId, attempt, issueId }
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNodeMiddleware, SqliteInbox } from 'promptfoo-webhooks';

const config = JSON.parse(process.argv[2]);
const secret = process.env.PFW_TEST_SECRET;

function logStart(event, { entryId, attempt }) {
  const line = { pid: process.pid, entryId, attempt, issueId: event.data.issue.id };
  appendFileSync(config.attemptsLog, `${JSON.stringify(line)}\n`);
}

let onEvent;
if (config.mode === 'effects') {
  const effects = new DatabaseSync(config.effectsPath);
  effects.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  const insert = effects.prepare('INSERT OR IGNORE INTO effects (entry_id, issue_id, done_at) VALUES (?, ?, ?)');
  onEvent = async (event, context) => {
    logStart(event, context);
    await sleep(Math.floor(Math.random() * (config.sleepMaxMs + 1)));
    insert.run(context.entryId, event.data.issue.id, Date.now());
  };
} else if (config.mode === 'slow') {
  onEvent = async (event, context) => {
    logStart(event, context);
    await sleep(config.holdMs);
  };
} else {
  throw new Error(`unknown mode ${config.mode}`);
}

const inbox = new SqliteInbox(config.dbPath, config.policy);
const server = createServer(createNodeMiddleware(secret, { inbox, onEvent }));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
