// Real workerd for the Worker suites: bundle a Worker the way wrangler does
// (the package's "workerd" export condition, the wasm left as a separate
// module), write a capnp config, `workerd serve` it on 127.0.0.1.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WASM_DIR = join(ROOT, 'pkg/dist/wasm');
const WORKERD = join(ROOT, 'node_modules/.bin/workerd');
const STARTUP_TIMEOUT_MS = 20_000;

/**
 * Bundles `entry` into `outDir`/worker.js as wrangler would, copies the wasm
 * modules it imports beside it, and returns `{ modules, packageEntry }`: the
 * capnp `modules = [...]` list of the Worker, and the package file the
 * bundler resolved, relative to the repository (e.g. pkg/dist/workerd.js).
 */
export async function bundleWorker(entry, outDir) {
  const { metafile } = await build({
    entryPoints: [entry],
    outfile: join(outDir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    // workerd compiles the wasm itself, as a module of the Worker.
    external: ['*.wasm'],
    metafile: true,
    absWorkingDir: ROOT, // metafile paths are relative to the repository
    logLevel: 'warning',
  });
  const bundle = readFileSync(join(outDir, 'worker.js'), 'utf8');
  const wasmPaths = [...bundle.matchAll(/^import [\w$]+ from ["'](\.\/[^"']+\.wasm)["'];?$/gm)].map((m) => m[1].slice(2));
  if (wasmPaths.length === 0) throw new Error("the bundle imports no wasm module (the package's workerd build was not picked)");
  for (const wasmPath of wasmPaths) {
    mkdirSync(dirname(join(outDir, wasmPath)), { recursive: true });
    copyFileSync(join(WASM_DIR, basename(wasmPath)), join(outDir, wasmPath));
  }
  const wasmModules = wasmPaths.map((path) => `(name = "${path}", wasm = embed "${path}")`);
  const modules = `modules = [(name = "worker.js", esModule = embed "worker.js"), ${wasmModules.join(', ')}]`;
  // The entry file the export conditions picked (tools-source.workerd.js is a second file it imports).
  const packageEntry = Object.keys(metafile.inputs).find((input) => /(^|\/)pkg\/dist\/(?!tools-source)[^/]+\.js$/.test(input));
  return { modules, packageEntry };
}

/**
 * A capnp config serving worker.js (and its wasm) on 127.0.0.1:`port`;
 * `bindings` are text bindings, `flags` compatibility flags (e.g. nodejs_compat).
 */
export function workerdConfig({ port, modules, bindings = {}, flags = [], v8Flags = [] }) {
  const textBindings = Object.entries(bindings).map(([name, text]) => `(name = "${name}", text = "${text}")`);
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  v8Flags = [${v8Flags.map((flag) => `"${flag}"`).join(', ')}],
  services = [(name = "main", worker = .receiver)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const receiver :Workerd.Worker = (
  ${modules},
  bindings = [${textBindings.join(', ')}],
  compatibilityDate = "2024-09-23",
  compatibilityFlags = [${flags.map((flag) => `"${flag}"`).join(', ')}],
);
`;
}

/** A port that was free a moment ago (the OS picks it; workerd binds it next). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs `workerd serve config.capnp` in `dir` and resolves once it answers
 * HTTP at `http://127.0.0.1:<port>/`. Returns `{ url, stderr(), stop() }`;
 * the process is also killed if this Node process exits first. With
 * `inspectorPort`, workerd also serves the V8 inspector protocol there;
 * `experimental` allows experimental features (the bundled Queues Worker).
 */
export async function startWorkerd(dir, port, { inspectorPort, experimental = false } = {}) {
  const inspector = inspectorPort === undefined ? [] : [`--inspector-addr=127.0.0.1:${inspectorPort}`];
  const flags = experimental ? ['--experimental'] : [];
  const child = spawn(WORKERD, ['serve', ...flags, 'config.capnp', ...inspector], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = () => running() && child.kill('SIGKILL');
  // Never leave workerd behind, even if this process dies without running after().
  process.on('exit', kill);
  const stop = async () => {
    if (running()) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 5000);
      await exited;
      clearTimeout(timer);
    }
    process.off('exit', kill);
  };
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitUntilServing(url, running);
  } catch (error) {
    kill();
    error.message += `\n--- workerd stderr ---\n${stderr}`;
    throw error;
  }
  return { url, stderr: () => stderr, stop };
}

/**
 * Bundles `entry` (bundleWorker) into a fresh temporary folder and serves it
 * there (startWorkerd) with the text `bindings`: `{ url, packageEntry,
 * stop() }`, stop() also removing the folder.
 */
export async function serveWorker(entry, { bindings = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'workerd-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const { modules, packageEntry } = await bundleWorker(entry, dir);
    const port = await freePort();
    writeFileSync(join(dir, 'config.capnp'), workerdConfig({ port, modules, bindings }));
    const workerd = await startWorkerd(dir, port);
    const stop = async () => {
      await workerd.stop();
      remove();
    };
    return { url: workerd.url, packageEntry, stop };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Resolves once `url` answers HTTP; rejects if the server stops running or never answers. */
async function waitUntilServing(url, running) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastError;
  while (Date.now() < deadline) {
    if (!running()) throw new Error('workerd exited before serving');
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`workerd did not answer within ${STARTUP_TIMEOUT_MS} ms: ${lastError?.cause?.code ?? lastError}`);
}
