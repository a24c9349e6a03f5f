// The client side of a benchmark Worker (routes.mjs): workerd started on a
// bundle of `entry`, and requests timed from this process, as both
// benches/runtimes.mjs and benches/workerd-steps.mjs measure workerd.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorker, freePort, startWorkerd, workerdConfig } from '../../tests/js/support/workerd.mjs';

/**
 * workerd serving `entry` with compatibility `flags`; resolves to
 * `{ get(path), timed(size, name, k), stop() }`.
 */
export async function startBenchWorker(entry, flags) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-workerd-'));
  const { modules } = await bundleWorker(entry, dir);
  const port = await freePort();
  // --expose-gc: a collection before each timed request. A Worker's
  // objects live until the request that made them ends, so a batch of K
  // leaves old-space garbage whose full collection (60-170 ms) would land
  // on whichever contender runs next.
  writeFileSync(join(dir, 'config.capnp'), workerdConfig({ port, modules, flags, v8Flags: ['--expose-gc'] }));
  const workerd = await startWorkerd(dir, port);

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

  async function stop() {
    await workerd.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  return { get, timed, stop };
}
