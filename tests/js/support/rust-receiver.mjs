// The native Rust receiver (examples/hyper_receiver.rs) for the JS suites:
// build it once with cargo, start it on 127.0.0.1 (PORT=0, the port read
// from its first line), stop it.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = 'hyper_receiver';
// A cold build of the example and its dev-dependencies takes about 40 s here.
const BUILD_TIMEOUT_MS = 300_000;
const STARTUP_TIMEOUT_MS = 10_000;

let built; // the path of the binary, once

/** Builds the example (debug: `cargo test` has built its dependencies already) and resolves to its path. */
export function buildRustReceiver() {
  built ??= (async () => {
    const { stdout } = await promisify(execFile)('cargo', ['build', '--quiet', '--example', EXAMPLE, '--message-format=json'], {
      cwd: ROOT,
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    const artifact = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((message) => message.reason === 'compiler-artifact' && message.target?.name === EXAMPLE && message.executable);
    if (!artifact) throw new Error(`cargo built no executable for the ${EXAMPLE} example`);
    return artifact.executable;
  })();
  return built;
}

/**
 * Starts the receiver with `env` (PROMPTFOO_WEBHOOK_SECRET, ...) on a free
 * port and resolves once it listens: `{ url, port, lines(), stderr(), stop() }`,
 * `lines()` being its stdout lines so far. Rejects with its stderr when it
 * exits first (a bad secret exits 2).
 */
export async function startRustReceiver(env) {
  const binary = await buildRustReceiver();
  const child = spawn(binary, [], { cwd: ROOT, env: { ...process.env, ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  // 'close', not 'exit': by then its stdout and stderr have been read to the end.
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? signal)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Rust receiver did not start within ${STARTUP_TIMEOUT_MS} ms\n${stderr}`)), STARTUP_TIMEOUT_MS);
    const onData = () => {
      const match = stdout.match(/^Listening on http:\/\/127\.0\.0\.1:(\d+)\//m);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve(Number(match[1]));
    };
    child.stdout.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`the Rust receiver exited with ${code}\n${stderr}`), { exitCode: code, stderr }));
    });
  });

  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    lines: () => stdout.split('\n').filter((line) => line !== ''),
    stderr: () => stderr,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
