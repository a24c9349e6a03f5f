// A real redis-server (Debian's package; scripts/setup.sh installs it) for
// the store suites: on 127.0.0.1, a free port, nothing written to disk; or,
// given a dir, an append-only file there fsynced before each answer
// (appendfsync always), which a restart on the same port and dir reads back.
import { spawn } from 'node:child_process';
import { freePort } from './workerd.mjs';

const STARTUP_TIMEOUT_MS = 10_000;

/**
 * Starts `redis-server` and resolves once it accepts connections.
 * Returns `{ port, url, stop() }`; the process is also killed if this Node
 * process exits first. `aofDir`: keep an AOF there; `port`: this one, not a free one.
 */
export async function startRedis({ aofDir, port: wanted } = {}) {
  const port = wanted ?? (await freePort());
  const persistence = aofDir === undefined ? ['--appendonly', 'no'] : ['--dir', aofDir, '--appendonly', 'yes', '--appendfsync', 'always'];
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = () => running() && child.kill('SIGKILL');
  process.on('exit', kill);

  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
    const fail = (error) => {
      clearTimeout(timer);
      kill();
      error.message += `\n--- redis-server output ---\n${output}`;
      reject(error);
    };
    const onData = (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('error', fail); // e.g. ENOENT: redis-server is not installed (run make setup)
    child.once('exit', (code) => fail(new Error(`redis-server exited with code ${code}`)));
  });

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (running()) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      process.off('exit', kill);
    },
  };
}
