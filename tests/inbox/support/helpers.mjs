// What the inbox tests share: temp dirs and children cleaned up in t.after,
// receivers (in this process or in a child), signed deliveries, polling.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNodeMiddleware } from 'promptfoo-webhooks';
import { cleanups, pool, seeded, spawnReady } from '../../js/support/processes.mjs';

export { cleanups, pool, seeded };

const RECEIVER = new URL('./receiver.mjs', import.meta.url).pathname;

/** A fresh temp dir, removed after the test. */
export function tempDir(defer) {
  const dir = mkdtempSync(join(tmpdir(), 'pfw-inbox-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A receiver in this process on 127.0.0.1: its URL; closed (server, then inbox) after the test. */
export async function startServer(defer, secret, inbox, options) {
  const server = createServer(createNodeMiddleware(secret, { inbox, ...options }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(async () => {
    await new Promise((resolve) => server.close(resolve));
    await inbox.close();
  });
  return `http://127.0.0.1:${server.address().port}/`;
}

/**
 * A receiver child (support/receiver.mjs) on this Node: resolves once it
 * listens to `{ url, child, exited, stderr() }`; SIGKILLed after the test
 * if still alive.
 */
export async function startReceiver(defer, secret, config) {
  const { ready, child, exited, stderr } = await spawnReady(defer, RECEIVER, config, { env: { PFW_TEST_SECRET: secret }, what: 'receiver' });
  return { url: `http://127.0.0.1:${ready.port}/`, child, exited, stderr };
}

/** SIGKILL, and wait until it is gone. */
export async function killNow(receiver) {
  receiver.child.kill('SIGKILL');
  const { signal } = await receiver.exited;
  assert.equal(signal, 'SIGKILL', `the receiver died of something else:\n${receiver.stderr()}`);
}

/**
 * POSTs `body` (a fresh connection each): `{ status, json, ms }`, ms measured
 * around the whole exchange; rejects after `timeoutMs` without an answer.
 */
export function post(url, body, headers, { timeoutMs = 10_000 } = {}) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text), ms: performance.now() - started }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject).end(body);
  });
}


/** Polls `probe()` every `everyMs` until it returns a truthy value (returned) or `ms` pass (then the last value). */
export async function waitFor(probe, { ms = 20_000, everyMs = 50 } = {}) {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (value || performance.now() > deadline) return value;
    await sleep(everyMs);
  }
}

/** An effects file for receiver children: `{ path, rows(), close() }`. */
export function effectsDb(defer, dir) {
  const path = join(dir, 'effects.db');
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  db.exec('CREATE TABLE effects (entry_id INTEGER PRIMARY KEY, issue_id TEXT, done_at INTEGER)');
  defer(() => db.close());
  return { path, rows: () => db.prepare('SELECT entry_id, issue_id, done_at FROM effects ORDER BY entry_id').all() };
}

/** The attempts log's lines (`{ pid, entryId, attempt, issueId }`). */
export function attemptsOf(path) {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

