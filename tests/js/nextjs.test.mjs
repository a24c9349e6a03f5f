// The Next.js recipe in real Next.js, as the JavaScript the build strips
// its TypeScript (js-examples/nextjs/) to in target/js-examples/nextjs/:
// `next build` (Turbopack) without the secret, as CI and Docker builds run
// it, then `next start` on 127.0.0.1 answering signed deliveries through
// the App Router route handler. Without the secret, the server says so when
// it starts (instrumentation.js) and refuses deliveries with a 5xx.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecret, sampleEvent, sign, signPayload, SIGNATURE_HEADER } from 'promptfoo-webhooks';
import { freePort } from './support/workerd.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP = join(ROOT, 'target/js-examples/nextjs');
const NEXT = join(ROOT, 'node_modules/next/dist/bin/next');
const SECRET = generateSecret();
const ENV = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
delete ENV.PROMPTFOO_WEBHOOK_SECRET;

before(() => {
  rmSync(join(APP, '.next'), { recursive: true, force: true });
  const build = spawnSync(process.execPath, [NEXT, 'build'], { cwd: APP, env: ENV, encoding: 'utf8' });
  assert.equal(build.status, 0, `next build without the secret:\n${build.stdout}\n${build.stderr}`);
  assert.match(build.stdout, /\/webhooks\/promptfoo/);
});

/** `next start` on a free port; resolves once it is ready: { url, output(), stop() }. */
async function startNext(env) {
  const port = await freePort();
  const child = spawn(process.execPath, [NEXT, 'start', '-p', String(port), '-H', '127.0.0.1'], { cwd: APP, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  const kill = () => child.exitCode === null && child.kill('SIGKILL');
  process.on('exit', kill);
  const deadline = Date.now() + 30_000;
  while (!/Ready in/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`next start did not get ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}/webhooks/promptfoo`,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      process.off('exit', kill);
    },
  };
}

test('next start: the route handler answers every delivery with the package status and code', { timeout: 60_000 }, async () => {
  const server = await startNext({ ...ENV, PROMPTFOO_WEBHOOK_SECRET: SECRET });
  try {
    const good = signPayload(sampleEvent('issue.created'), SECRET);
    const stale = signPayload(sampleEvent('issue.created', { timestamp: new Date(Date.now() - 3600_000).toISOString() }), SECRET);
    const cases = [
      ['valid', good.body, good.headers, 200, undefined],
      ['wrong secret', good.body, { ...good.headers, [SIGNATURE_HEADER]: sign(good.body, generateSecret()) }, 401, 'signature_mismatch'],
      ['no signature', good.body, { 'Content-Type': 'application/json' }, 401, 'missing_signature'],
      ['stale', stale.body, stale.headers, 400, 'timestamp_outside_window'],
      ['not JSON', 'x', { 'Content-Type': 'text/plain', [SIGNATURE_HEADER]: sign('x', SECRET) }, 415, 'unsupported_media_type'],
    ];
    for (const [label, body, headers, status, code] of cases) {
      const response = await fetch(server.url, { method: 'POST', body, headers });
      const answer = await response.json();
      assert.equal(response.status, status, `${label}: ${JSON.stringify(answer)}`);
      assert.equal(answer.error, code, label);
    }
    const deadline = Date.now() + 5000;
    while (!/promptfoo webhook: issue\.created/.test(server.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(server.output(), /promptfoo webhook: issue\.created/);
    assert.equal(server.output().match(/promptfoo webhook:/g).length, 1, 'only the valid delivery reached onEvent');
  } finally {
    await server.stop();
  }
});

test('next start without the secret: invalid_secret logged at start-up, deliveries refused with a 5xx', { timeout: 60_000 }, async () => {
  const server = await startNext(ENV);
  try {
    const { body, headers } = signPayload(sampleEvent('issue.created'), SECRET);
    const response = await fetch(server.url, { method: 'POST', body, headers });
    assert.ok(response.status >= 500, `status ${response.status}`);
    assert.match(server.output(), /invalid secret/);
    assert.match(server.output(), /code: 'invalid_secret'/);
    assert.doesNotMatch(server.output(), /promptfoo webhook:/);
  } finally {
    await server.stop();
  }
});
