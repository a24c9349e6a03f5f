// The client side of a benchmark Worker (routes.mjs): workerd started on a
// bundle of `entry`, and requests timed from this process, as both
// benches/runtimes.mjs and benches/workerd-steps.mjs measure workerd.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorker, freePort, startWorkerd, workerdConfig } from '../../tests/js/support/workerd.mjs';

/**
 * workerd serving `entry` with compatibility `flags`; resolves to
 * `{ get(path), timed(size, name, k), allocated(size, name, k, requests), stop() }`
 * (`allocated` only with `inspect`, which needs a global WebSocket).
 */
export async function startBenchWorker(entry, flags, { inspect = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-workerd-'));
  const { modules } = await bundleWorker(entry, dir);
  const port = await freePort();
  const inspectorPort = inspect ? await freePort() : undefined;
  // --expose-gc: a collection before each timed request. A Worker's
  // objects live until the request that made them ends, so a batch of K
  // leaves old-space garbage whose full collection (60-170 ms) would land
  // on whichever contender runs next.
  writeFileSync(join(dir, 'config.capnp'), workerdConfig({ port, modules, flags, v8Flags: ['--expose-gc'] }));
  const workerd = await startWorkerd(dir, port, { inspectorPort });
  const inspector = inspect ? await connectInspector(inspectorPort) : undefined;

  async function get(path) {
    const response = await fetch(new URL(path, workerd.url));
    const text = await response.text();
    if (!response.ok) throw new Error(`workerd ${path}: HTTP ${response.status}\n${text}\n${workerd.stderr()}`);
    return text;
  }

  /**
   * Milliseconds for one request running `name` `k` times, from a collected
   * heap and with the contender's code optimized again: a full collection
   * frees the maps of the last batch's objects, and V8 then discards
   * optimized code that embeds them (--trace-deopt: "embedded weak objects
   * cleared"). A Worker serving traffic pays that once per full collection,
   * not once per timed request, so an untimed fifth of the batch runs first.
   */
  async function timed(size, name, k) {
    await get('/gc');
    if (k > 1) await get(`/run?size=${size}&name=${encodeURIComponent(name)}&k=${Math.ceil(k / 5)}`);
    const start = performance.now();
    await get(`/run?size=${size}&name=${encodeURIComponent(name)}&k=${k}`);
    return performance.now() - start;
  }

  /**
   * Bytes the Worker's JS heap allocates per run of `name` (the V8
   * sampling heap profiler, one sample per 64 bytes on average, counting
   * what young and old collections freed too) over `requests` requests of
   * `k` runs each: what a contender costs the garbage collector, which
   * unlike time does not drift from run to run. Memory outside the JS heap
   * (array buffers' bytes, the runtime's own objects) is not counted.
   */
  async function allocated(size, name, k, requests) {
    await inspector.send('HeapProfiler.startSampling', {
      samplingInterval: 64,
      includeObjectsCollectedByMinorGC: true,
      includeObjectsCollectedByMajorGC: true,
    });
    for (let i = 0; i < requests; i++) await get(`/run?size=${size}&name=${encodeURIComponent(name)}&k=${k}`);
    const { profile } = await inspector.send('HeapProfiler.stopSampling');
    const total = (node) => node.selfSize + node.children.reduce((sum, child) => sum + total(child), 0);
    return total(profile.head) / (requests * k);
  }

  async function stop() {
    inspector?.close();
    await workerd.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  return { get, timed, allocated, stop };
}

/** A V8 inspector session with workerd's isolate: `{ send(method, params), close() }`. */
async function connectInspector(port) {
  if (typeof WebSocket !== 'function') throw new Error('the inspector needs a global WebSocket (Node 22, or node --experimental-websocket)');
  const [target] = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  // workerd names itself localhost in the URL; it listens on 127.0.0.1 only.
  const socket = new WebSocket(target.webSocketDebuggerUrl.replace(/^ws:\/\/[^/]*/, `ws://127.0.0.1:${port}`));
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', () => reject(new Error('could not connect to the workerd inspector')), { once: true });
  });
  const pending = new Map();
  let lastId = 0;
  socket.addEventListener('message', ({ data }) => {
    const message = JSON.parse(data);
    const waiting = pending.get(message.id);
    if (waiting === undefined) return; // an event, not an answer
    pending.delete(message.id);
    if (message.error) waiting.reject(new Error(`inspector: ${message.error.message}`));
    else waiting.resolve(message.result);
  });
  return {
    send(method, params = {}) {
      const id = ++lastId;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    close: () => socket.close(),
  };
}
