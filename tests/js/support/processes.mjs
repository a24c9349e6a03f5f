// What the inbox suites share, on any Node (tests/inbox/ runs on Node 24,
// tests/js/ on Node 20): cleanups in order, child processes that say when
// they are ready, a forward target that keeps what it gets, a bounded
// pool of concurrent work and a seeded random source.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

/** Cleanups run after the test, last registered first (children die before their dir goes). */
export function cleanups(t) {
  const stack = [];
  t.after(async () => {
    while (stack.length > 0) await stack.pop()();
  });
  return (fn) => stack.push(fn);
}

/**
 * Runs `node script '<config as JSON>'` with `env` added, and resolves once
 * it prints a line starting with `{` (parsed as `ready`): `{ ready, child,
 * exited, stderr() }`. `what` names it in the error if it exits first.
 * SIGKILLed after the test if still alive.
 */
export async function spawnReady(defer, script, config, { env = {}, what = 'child' } = {}) {
  const child = spawn(process.execPath, [script, JSON.stringify(config)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  defer(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const ready = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    exited.then(({ code, signal }) => reject(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${stderr}`)));
  });
  return { ready, child, exited, stderr: () => stderr };
}

/**
 * A forward target on 127.0.0.1 that keeps what it gets and answers
 * `status(body)`; listen(port) starts it (on a port it had before, to come
 * back up), close() stops it.
 */
export function forwardTarget(defer, status = () => 200) {
  const received = [];
  let server;
  const listen = (port = 0) =>
    new Promise((resolve, reject) => {
      server = createServer((req, res) => {
        const chunks = [];
        req.on('data', (chunk) => chunks.push(chunk)).on('end', () => {
          const body = Buffer.concat(chunks);
          received.push({ headers: req.headers, body });
          res.writeHead(status(body.toString('utf8')), { 'Content-Type': 'application/json' }).end('{}');
        });
      });
      server.once('error', reject).listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}/`));
    });
  const close = () =>
    new Promise((resolve) => {
      if (!server?.listening) return resolve();
      server.close(resolve);
      server.closeAllConnections();
    });
  defer(close);
  return { received, listen, close };
}

/** Runs `work(item)` over `items`, at most `limit` at a time, in order of start. */
export async function pool(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** A seeded PRNG (mulberry32): the same run of numbers in [0, 1) for a seed. */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
