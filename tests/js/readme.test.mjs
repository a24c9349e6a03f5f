// The documents' code blocks are real programs. Each ```js, ```ts and
// ```toml and ```html block in the package's user guide (pkg/README.md: what npm shows),
// the repository's README.md and docs/*.md is preceded by
// `<!-- snippet: <name> -->` and must be, byte for byte, the region
// `README:begin <name>` ... `README:end` of a file in target/js-examples/
// (readme/ or a framework recipe), less the indentation of its begin line.
// Those JavaScript files are what scripts/examples.mjs (run by
// scripts/build-pkg.mjs) strips the TypeScript sources in js-examples/ to;
// `make test-types` checks the sources under every strict flag. Then each
// of those files runs for real: the Node ones as child processes on
// 127.0.0.1 fed signed deliveries, the Workers in workerd, the browser ones
// in Chromium. The Rust example the crate's README describes runs with
// `cargo run` (README.crates.md's own blocks are doctests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verify } from 'promptfoo-webhooks';
import { javaScriptName, OUTPUT, plannedOutput } from '../../scripts/examples.mjs';
import { bundleWorker, freePort, startWorkerd } from './support/workerd.mjs';
import { launchChromium, watchPage } from './support/chromium.mjs';
import { startStaticServer } from './support/static-server.mjs';
import { startRedis } from './support/redis.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The documents whose blocks are checked, relative to the repository.
const DOCUMENTS = ['pkg/README.md', 'README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
// The README's examples as they run: JavaScript stripped from js-examples/readme/*.ts.
const EXAMPLES = 'target/js-examples/readme';
const SNIPPET_FILES = [
  ...readdirSync(join(ROOT, EXAMPLES)).map((name) => `${EXAMPLES}/${name}`),
  // The framework recipes show their core in the README.
  'target/js-examples/fastify-receiver.mjs',
  'target/js-examples/koa-receiver.mjs',
  'target/js-examples/hono/app.mjs',
  'target/js-examples/nextjs/app/webhooks/promptfoo/route.js',
];
const CHECKED_LANGUAGES = new Set(['js', 'ts', 'toml', 'html']);

// Hex, so they need no escaping in a capnp config.
const SECRET = randomBytes(32).toString('hex');
const OLD_SECRET = randomBytes(32).toString('hex');

// ---------------------------------------------------------------- README blocks and file regions

/** Fenced blocks of a document: { file, lang, line, text, snippet, heading }. */
function readmeBlocks(file) {
  const markdown = readFileSync(join(ROOT, file), 'utf8');
  const lines = markdown.split('\n');
  const blocks = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    if (/^#{1,6} /.test(lines[i])) heading = lines[i];
    const open = lines[i].match(/^```(\w*)\s*$/);
    if (!open) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    let previous = start - 1;
    while (previous >= 0 && lines[previous].trim() === '') previous--;
    const marker = lines[previous]?.match(/^<!-- snippet: (\S+) -->$/);
    blocks.push({ file, lang: open[1], line: start + 1, text: lines.slice(start + 1, end).join('\n'), snippet: marker?.[1], heading });
    i = end;
  }
  return blocks;
}

/** Regions of the snippet files: name -> { file, line, text } (dedented by the begin line's indentation). */
function fileRegions() {
  const regions = new Map();
  for (const file of SNIPPET_FILES) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const begin = lines[i].match(/^(\s*)(?:\/\/|#|<!--) README:begin (\S+?)(?: -->)?$/);
      if (!begin) continue;
      const [, indent, name] = begin;
      let end = i + 1;
      while (end < lines.length && !/^\s*(?:\/\/|#|<!--) README:end(?: -->)?$/.test(lines[end])) end++;
      assert.ok(end < lines.length, `${file}:${i + 1}: README:begin ${name} has no README:end`);
      const body = lines.slice(i + 1, end).map((line, k) => {
        assert.ok(line === '' || line.startsWith(indent), `${file}:${i + 2 + k}: less indented than its README:begin`);
        return line.slice(indent.length);
      });
      assert.ok(!regions.has(name), `region ${name} in both ${regions.get(name)?.file} and ${file}`);
      regions.set(name, { file, line: i + 2, text: body.join('\n') });
    }
  }
  return regions;
}

/** Where two texts first differ, as a readable message. */
function firstDifference(readme, region) {
  const a = readme.split('\n');
  const b = region.split('\n');
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    if (a[k] !== b[k]) return { k, readme: a[k] ?? '<end of block>', file: b[k] ?? '<end of region>' };
  }
  return null;
}

const BLOCKS = DOCUMENTS.flatMap(readmeBlocks);
const REGIONS = fileRegions();
// What the build makes of js-examples/: target/js-examples/ path -> { text, source } or { copy }.
const PLANNED = plannedOutput();
/** The TypeScript source (in js-examples/) of a target/js-examples/ file, or undefined. */
const typeScriptSource = (file) => (file.startsWith('target/js-examples/') ? PLANNED.get(file.slice('target/js-examples/'.length))?.source : undefined);

test('documents: every js/ts/toml/html block names its snippet, and every snippet region is shown once', () => {
  const checked = BLOCKS.filter((b) => CHECKED_LANGUAGES.has(b.lang));
  assert.ok(checked.length >= 14, `${checked.length} checked blocks`);
  const unnamed = checked.filter((b) => !b.snippet).map((b) => `${b.file}:${b.line} (${b.heading})`);
  assert.deepEqual(unnamed, [], 'blocks without a <!-- snippet: name --> line before them');
  const unknownLanguage = BLOCKS.filter((b) => !CHECKED_LANGUAGES.has(b.lang) && b.lang !== 'sh').map((b) => `${b.file}:${b.line} \`\`\`${b.lang}`);
  assert.deepEqual(unknownLanguage, [], 'every block is checked or a shell block');
  const shown = checked.map((b) => b.snippet);
  assert.deepEqual([...shown].sort(), [...REGIONS.keys()].sort(), 'README snippets vs file regions');
});

// The integration document's own sample, quoted as published to show what migrating replaces.
const NOT_OURS = new Set(['migrate-doc']);

test('target/js-examples/ is what scripts/examples.mjs makes of js-examples/ now (run node scripts/build-pkg.mjs)', () => {
  const stale = [...PLANNED]
    .filter(([file, { copy, text }]) => {
      let built;
      try {
        built = readFileSync(join(OUTPUT, file), 'utf8');
      } catch {
        return true;
      }
      return built !== (copy ? readFileSync(copy, 'utf8') : text);
    })
    .map(([file]) => file);
  assert.deepEqual(stale, []);
});

test('pkg/examples/ holds the shipped examples as js-examples/ has them, each TypeScript file with the JavaScript it strips to beside it', () => {
  const dir = join(ROOT, 'pkg/examples');
  const files = readdirSync(dir, { recursive: true }).filter((file) => statSync(join(dir, file)).isFile());
  const typescript = files.filter((file) => javaScriptName(basename(file)) !== undefined);
  assert.ok(typescript.length >= 7, `${typescript.length} TypeScript files`);
  const withoutJavaScript = typescript.filter((file) => !files.includes(join(dirname(file), javaScriptName(basename(file)))));
  assert.deepEqual(withoutJavaScript, []);
  const differing = files.filter((file) => readFileSync(join(dir, file), 'utf8') !== (PLANNED.get(file)?.text ?? readFileSync(join(ROOT, 'js-examples', file), 'utf8')));
  assert.deepEqual(differing, []);
});

test('README: every JavaScript snippet is stripped from TypeScript (js-examples/, checked by make test-types)', () => {
  const untyped = BLOCKS.filter((b) => b.lang === 'js' && b.snippet && !NOT_OURS.has(b.snippet))
    .filter((b) => typeScriptSource(REGIONS.get(b.snippet)?.file ?? '') === undefined)
    .map((b) => b.snippet);
  assert.deepEqual(untyped, []);
});

// Blocks that are part of a program: what each uses but does not declare.
// The text between the block and what comes before it (a heading or another
// block) must name each, so a reader who copies the block knows what to add.
const FRAGMENT_NEEDS = {
  fastify: ['createNodeMiddleware', 'app', 'secret', 'onEvent', 'logger'],
  koa: ['createNodeMiddleware', 'app', 'secret', 'onEvent', 'logger'],
  hono: ['Hono', 'createFetchHandler', 'secret', 'onEvent', 'logger'],
  router: ['page', 'closeTicket', 'audit', 'app'],
  send: ['before', 'after', 'url'],
  dedupe: ['secret', 'rawBody', 'signature'],
  redis: ['secret'],
  failopen: ['store', 'log'],
};

/** The prose between a block and the heading or block before it, in its document. */
function proseBefore(block) {
  const lines = readFileSync(join(ROOT, block.file), 'utf8').split('\n').slice(0, block.line - 1);
  let start = lines.length - 1;
  while (start > 0 && !/^(#{1,6} |```)/.test(lines[start - 1])) start--;
  return lines.slice(start).join('\n');
}

/** The code spans of markdown text: what stands between a backtick and the next. */
const codeSpans = (text) => text.split('`').filter((_, k) => k % 2 === 1);

test('documents: a block that is part of a program says what it needs from around it; every other one is whole', () => {
  const missing = [];
  for (const block of BLOCKS.filter((b) => b.lang === 'js' && b.snippet && !NOT_OURS.has(b.snippet))) {
    const needs = FRAGMENT_NEEDS[block.snippet];
    if (needs === undefined) {
      // A whole program imports what it uses from the package.
      if (block.text.includes('promptfoo-webhooks') === false) missing.push(`${block.file}:${block.line} (${block.snippet}) imports nothing and has no FRAGMENT_NEEDS`);
      continue;
    }
    const prose = proseBefore(block);
    for (const name of needs) {
      assert.match(block.text, new RegExp(`\\b${name}\\b`), `${block.snippet} uses ${name}`);
      const declared = new RegExp(`\\b(?:const|let|var|function|class)\\s+${name}\\b|^import\\s[^;]*\\b${name}\\b[^;]*\\sfrom\\s`, 'm');
      if (declared.test(block.text)) missing.push(`${block.snippet} declares ${name}: drop it from FRAGMENT_NEEDS`);
      // Named in a code span: `name`, or within one such as `import { name } from '...'`.
      if (!codeSpans(prose).some((span) => new RegExp(`\\b${name}\\b`).test(span))) missing.push(`${block.file}:${block.line} (${block.snippet}) does not say it needs \`${name}\``);
    }
  }
  assert.deepEqual(missing, []);
});

for (const block of BLOCKS.filter((b) => CHECKED_LANGUAGES.has(b.lang) && b.snippet)) {
  test(`${block.file}: the block at line ${block.line} (${block.heading.replace(/^#+ /, '')}) is ${block.snippet}'s region`, () => {
    const region = REGIONS.get(block.snippet);
    assert.ok(region, `no file has a region named ${block.snippet}`);
    const difference = firstDifference(block.text, region.text);
    if (difference) {
      assert.fail(
        `${block.file}:${block.line + 1 + difference.k} differs from ${region.file}:${region.line + difference.k}` +
          (typeScriptSource(region.file) ? ` (stripped from its TypeScript source in js-examples/${typeScriptSource(region.file)})\n` : '\n') +
          `  ${block.file}: ${JSON.stringify(difference.readme)}\n  file:   ${JSON.stringify(difference.file)}`,
      );
    }
  });
}

// ---------------------------------------------------------------- running them

const hmac = (body, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
const nowIso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();
const issueEvent = (event, issue, extra = {}, timestamp = nowIso()) =>
  JSON.stringify({ event, timestamp, data: { issue: { id: 'issue-1', status: 'open', severity: 'high', ...issue }, eventData: {}, ...extra } });

/** POSTs a body with a signature (null: no header); resolves { status, text, json }. */
async function post(url, body, signature = hmac(body), contentType = 'application/json') {
  const headers = { 'content-type': contentType };
  if (signature !== null) headers['x-promptfoo-signature'] = signature;
  const response = await fetch(url, { method: 'POST', body, headers });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, text, json };
}

const children = new Set();

/** Runs a file with node; `ports` are env names whose servers must answer before this resolves. */
async function startNode(file, env, ports = []) {
  const child = spawn(process.execPath, [file], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (output.stderr += chunk));
  const deadline = Date.now() + 15_000;
  for (const name of ports) {
    for (;;) {
      assert.equal(child.exitCode, null, `${file} exited: ${output.stderr}`);
      try {
        await fetch(`http://127.0.0.1:${env[name]}/`, { signal: AbortSignal.timeout(1000) });
        break;
      } catch {
        assert.ok(Date.now() < deadline, `${file} did not listen on ${name}: ${output.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
  return {
    output,
    stop: () => stopChild(child),
  };
}

function stopChild(child) {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  return exited;
}

/** Runs a file to completion; resolves { code, stdout, stderr }. */
function runNode(file, env, timeout = 20_000) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd: ROOT, env: { ...process.env, ...env }, timeout }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 'killed') : 0, stdout, stderr }),
    );
  });
}

const cleanups = [];
after(async () => {
  await Promise.all([...children].map(stopChild));
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('quickstart: the middleware answers 200, 401, 400, 415 and 405 with the code, and hands each event to onEvent', async () => {
  const port = await freePort();
  const server = await startNode('target/js-examples/readme/quickstart.js', { PORT: port, PROMPTFOO_WEBHOOK_SECRET: SECRET }, ['PORT']);
  const url = `http://127.0.0.1:${port}/`;
  try {
    const created = issueEvent('issue.created', { severity: 'critical' });
    assert.deepEqual((await post(url, created)).json, { received: 'issue.created' });
    const answers = [
      [await post(url, created, hmac(created, randomBytes(32).toString('hex'))), 401, 'signature_mismatch'],
      [await post(url, created, null), 401, 'missing_signature'],
      [await post(url, issueEvent('issue.created', {}, {}, nowIso(-3600_000))), 400, 'timestamp_outside_window'],
      [await post(url, created, hmac(created), 'text/plain'), 415, 'unsupported_media_type'],
    ];
    for (const [result, status, code] of answers) {
      assert.equal(result.status, status, code);
      assert.equal(result.json.error, code);
    }
    assert.equal((await fetch(url)).status, 405);
    assert.match(server.output.stdout, /^issue\.created \{/m);
    assert.equal(server.output.stdout.match(/^issue\.created/gm).length, 1, server.output.stdout);
  } finally {
    await server.stop();
  }
});

test('node: accepts current and rotated-out secrets and upper-case hex; answers 401/400 with the code', async () => {
  const port = await freePort();
  const server = await startNode('target/js-examples/readme/node.js', { PORT: port, PROMPTFOO_WEBHOOK_SECRET: SECRET, PROMPTFOO_WEBHOOK_SECRET_OLD: OLD_SECRET }, ['PORT']);
  const url = `http://127.0.0.1:${port}/`;
  try {
    const created = issueEvent('issue.created', { severity: 'critical' });
    assert.equal((await post(url, created)).status, 200);
    const updated = issueEvent('issue.updated', {}, { eventData: { changes: ['status changed to fixed'] }, userId: 'user-123' });
    assert.equal((await post(url, updated, hmac(updated, OLD_SECRET))).status, 200, 'the old secret during a rotation');
    assert.equal((await post(url, created, hmac(created).toUpperCase())).status, 200, 'upper-case hex');

    const rejected = [
      [await post(url, created, hmac(created, randomBytes(32).toString('hex'))), 401, 'signature_mismatch'],
      [await post(url, created.replace('critical', 'low'), hmac(created)), 401, 'signature_mismatch'],
      [await post(url, created, null), 401, 'missing_signature'],
      [await post(url, created, 'abc'), 401, 'malformed_signature'],
      [await post(url, issueEvent('issue.created', {}, {}, nowIso(-3600_000))), 400, 'timestamp_outside_window'],
      [await post(url, '{"hello":"world"}'), 400, 'invalid_payload'],
    ];
    for (const [result, status, code] of rejected) {
      assert.equal(result.status, status, code);
      assert.deepEqual(result.json, { error: code });
    }
    assert.match(server.output.stdout, /^new issue issue-1 critical$/m);
    assert.match(server.output.stdout, /^\[ 'status changed to fixed' \] by user-123$/m);
    assert.equal(server.output.stdout.trim().split('\n').length, 3, server.output.stdout);
  } finally {
    await server.stop();
  }
});

test('express: raw body verified (200); bad signature 401, wrong content type 415, over 5 MB 413', async () => {
  const port = await freePort();
  const server = await startNode('target/js-examples/readme/express.js', { PORT: port, PROMPTFOO_WEBHOOK_SECRET: SECRET }, ['PORT']);
  const url = `http://127.0.0.1:${port}/webhooks/promptfoo`;
  try {
    const body = issueEvent('issue.created', {});
    assert.deepEqual((await post(url, body)).json, { received: 'issue.created' });
    const bad = await post(url, body, hmac(body, OLD_SECRET));
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error, 'signature_mismatch');
    assert.equal(typeof bad.json.message, 'string');
    const text = await post(url, body, hmac(body), 'text/plain');
    assert.equal(text.status, 415);
    assert.equal(text.json.error, 'unsupported_body');
    const huge = issueEvent('issue.created', { pad: 'x'.repeat(5 * 1024 * 1024) });
    assert.equal((await post(url, huge)).status, 413);
  } finally {
    await server.stop();
  }
});

/** Bundles `entry` as wrangler would and serves it in workerd with `config(modules, port)`. */
async function serveWorker(entry, config) {
  const dir = mkdtempSync(join(tmpdir(), 'promptfoo-webhooks-readme-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const { modules, packageEntry } = await bundleWorker(join(ROOT, entry), dir);
  assert.equal(packageEntry, 'pkg/dist/workerd.js');
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), config(modules, port));
  const workerd = await startWorkerd(dir, port);
  cleanups.push(() => workerd.stop());
  return workerd;
}

const capnp = (modules, port, worker) => `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .receiver)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const receiver :Workerd.Worker = (
  ${modules},
  ${worker},
  compatibilityDate = "2024-09-23",
);
`;

test('Cloudflare Worker (workerd): 200 with the event, 401 with the code, 400 for a day-old delivery', async () => {
  const workerd = await serveWorker('target/js-examples/readme/worker.js', (modules, port) =>
    capnp(modules, port, `bindings = [(name = "PROMPTFOO_WEBHOOK_SECRET", text = "${SECRET}")]`),
  );
  const body = issueEvent('issue.status_changed', { status: 'fixed' });
  assert.deepEqual(await post(workerd.url, body).then((r) => [r.status, r.json]), [200, { received: 'issue.status_changed' }]);
  assert.deepEqual(await post(workerd.url, body, hmac(body, OLD_SECRET)).then((r) => [r.status, r.json]), [401, { error: 'signature_mismatch' }]);
  assert.deepEqual(await post(workerd.url, body, 'abc').then((r) => [r.status, r.json]), [401, { error: 'malformed_signature' }]);
  assert.deepEqual(await post(workerd.url, 'not json').then((r) => [r.status, r.json]), [400, { error: 'invalid_json' }]);
  // The quick start's replay window: a day-old delivery, however well signed, is refused.
  const dayOld = issueEvent('issue.created', {}, {}, nowIso(-86_400_000));
  assert.deepEqual(await post(workerd.url, dayOld).then((r) => [r.status, r.json]), [400, { error: 'timestamp_outside_window' }]);
});

test('Durable Objects (workerd): a delivery is accepted once, its repeat is 409, a bad one 401', async () => {
  // The binding and class come from the README's wrangler.toml block.
  const toml = REGIONS.get('wrangler').text;
  const binding = toml.match(/^name = "(\w+)"$/m)[1];
  const className = toml.match(/^class_name = "(\w+)"$/m)[1];
  assert.deepEqual([binding, className], ['REPLAY', 'ReplayGuard']);
  const workerd = await serveWorker('target/js-examples/readme/durable-object.js', (modules, port) =>
    capnp(
      modules,
      port,
      `durableObjectNamespaces = [(className = "${className}", uniqueKey = "readme-replay-guard")],
  durableObjectStorage = (inMemory = void),
  bindings = [(name = "${binding}", durableObjectNamespace = "${className}"), (name = "PROMPTFOO_WEBHOOK_SECRET", text = "${SECRET}")]`,
    ),
  );
  const first = issueEvent('issue.created', { id: 'do-1' });
  const second = issueEvent('issue.created', { id: 'do-2' });
  assert.deepEqual(await post(workerd.url, first).then((r) => [r.status, r.json]), [200, { received: 'issue.created' }]);
  assert.deepEqual(await post(workerd.url, first).then((r) => [r.status, r.json]), [409, { error: 'duplicate_delivery' }]);
  assert.deepEqual(await post(workerd.url, first, hmac(first).toUpperCase()).then((r) => [r.status, r.json]), [409, { error: 'duplicate_delivery' }]);
  assert.deepEqual(await post(workerd.url, second).then((r) => [r.status, r.json]), [200, { received: 'issue.created' }]);
  assert.deepEqual(await post(workerd.url, second, hmac(second, OLD_SECRET)).then((r) => [r.status, r.json]), [401, { error: 'signature_mismatch' }]);
});

test('browser (Chromium): the block signs and verifies in the page; node:crypto agrees', async () => {
  const server = await startStaticServer(ROOT);
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const problems = [];
  const logs = [];
  watchPage(page, problems);
  page.on('console', (message) => message.type() === 'log' && logs.push(message.text()));
  await page.goto(`http://127.0.0.1:${server.address().port}/target/js-examples/readme/browser.html`);
  await page.waitForFunction(() => window.__readme !== undefined, null, { timeout: 20_000 }).catch((error) => {
    error.message += `\n${problems.join('\n')}`;
    throw error;
  });
  const results = await page.evaluate(() => window.__readme);
  assert.deepEqual(problems, []);
  assert.deepEqual(logs, ['issue.created']);
  assert.match(results.secret, /^[0-9a-f]{64}$/);
  assert.equal(results.signature, hmac(results.body, results.secret));
  assert.deepEqual(results.event, JSON.parse(results.body));
  assert.equal(results.tampered, 'signature_mismatch');
});

test('a page without a bundler (Chromium): the import map loads the browser build from node_modules/, which signs and verifies', async () => {
  const server = await startStaticServer(ROOT); // node_modules/promptfoo-webhooks is the package
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const problems = [];
  const scripts = [];
  const notFound = [];
  watchPage(page, problems);
  page.on('request', (request) => request.resourceType() === 'script' && scripts.push(new URL(request.url()).pathname));
  page.on('response', (response) => response.status() >= 400 && notFound.push(new URL(response.url()).pathname));
  await page.goto(`http://127.0.0.1:${server.address().port}/target/js-examples/readme/browser-importmap.html`);
  await page.waitForFunction(() => document.getElementById('result')?.textContent !== '', null, { timeout: 20_000 }).catch((error) => {
    error.message += `\n${problems.join('\n')}`;
    throw error;
  });
  assert.equal(await page.evaluate(() => document.getElementById('result').textContent), 'issue.created verified');
  // The page, as a reader copies it, has no icon: Chromium's request for one is the only miss allowed.
  assert.deepEqual(notFound.filter((path) => path !== '/favicon.ico'), []);
  assert.deepEqual(problems.filter((problem) => !/Failed to load resource: .* 404/.test(problem)), []);
  assert.deepEqual(scripts, ['/node_modules/promptfoo-webhooks/dist/browser.js'], 'the one module the map names, nothing else');
});

test('router: node:http, Express and the fetch handler verify and route; handler errors stay 200', async () => {
  const env = { PORT: await freePort(), EXPRESS_PORT: await freePort(), FETCH_PORT: await freePort(), PROMPTFOO_WEBHOOK_SECRET: SECRET };
  const server = await startNode('target/js-examples/readme/router.js', env, ['PORT', 'EXPRESS_PORT', 'FETCH_PORT']);
  try {
    const deliveries = [
      issueEvent('issue.created', { id: 'crit', severity: 'critical' }),
      issueEvent('issue.created', { id: 'low', severity: 'low' }),
      issueEvent('issue.status_changed', { id: 'fixed', status: 'fixed' }, { eventData: { changes: ['status changed to fixed'] } }),
      issueEvent('issue.updated', { id: 'touched' }, { eventData: { changes: ['severity changed to low'] } }),
      JSON.stringify({ event: 'issue.archived', timestamp: nowIso(), data: { id: 'x' } }),
      issueEvent('issue.created', { id: 'throws', severity: 'high' }),
    ];
    const routed = [`http://127.0.0.1:${env.PORT}/webhooks/promptfoo`, `http://127.0.0.1:${env.EXPRESS_PORT}/webhooks/promptfoo`];
    for (const url of [...routed, `http://127.0.0.1:${env.FETCH_PORT}/`]) {
      for (const body of deliveries) assert.equal((await post(url, body)).status, 200, `${url} ${body.slice(0, 40)}`);
      const bad = await post(url, deliveries[0], hmac(deliveries[0], OLD_SECRET));
      assert.equal(bad.status, 401, url);
      assert.equal(bad.json.error, 'signature_mismatch', url);
      const stale = await post(url, issueEvent('issue.created', {}, {}, nowIso(-3600_000)));
      assert.deepEqual([stale.status, stale.json.error], [400, 'timestamp_outside_window'], url);
      // The adapters answer 405 themselves; Express routes only POST to them (404 for a GET).
      assert.equal((await fetch(url)).status, url.includes(`:${env.EXPRESS_PORT}/`) ? 404 : 405, `${url} GET`);
    }
    assert.equal((await post(`http://127.0.0.1:${env.PORT}/elsewhere`, deliveries[0])).status, 404);

    const lines = server.output.stdout.trim().split('\n');
    const routerLines = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const once = [
      { page: 'crit' },
      { audit: 'issue.created' },
      { audit: 'issue.created' },
      { closeTicket: 'fixed' },
      { audit: 'issue.status_changed' },
      { audit: 'issue.updated' },
      { audit: 'issue.archived' },
      { audit: 'issue.created' },
    ];
    assert.deepEqual(routerLines, [...once, ...once], 'the same routing through node:http and Express');
    assert.deepEqual(lines.filter((l) => !l.startsWith('{')), deliveries.map((d) => JSON.parse(d).event), 'onEvent of the fetch handler');
    assert.equal(server.output.stderr.match(/pager down/g)?.length, 2, server.output.stderr);
  } finally {
    await server.stop();
  }
});

test('sending: the block POSTs the merged issue.updated, signed with its secret', async () => {
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const { code, stdout, stderr } = await runNode('target/js-examples/readme/send.js', { WEBHOOK_URL: `http://127.0.0.1:${server.address().port}/hook` });
  assert.equal(code, 0, stderr);
  const { secret, event } = JSON.parse(stdout);
  assert.equal(event, 'issue.updated');
  assert.equal(received.length, 1);
  const [{ body, headers }] = received;
  assert.equal(headers['content-type'], 'application/json');
  assert.equal(headers['x-promptfoo-signature'], hmac(body, secret));
  const verified = verify(body, headers['x-promptfoo-signature'], secret);
  assert.deepEqual(verified.data.eventData.changes, ['status changed to fixed', 'severity changed to low']);
  assert.equal(verified.data.userId, 'user-123');
  assert.equal(verified.data.issue.status, 'fixed');
});

test('replays: verifyOnce accepts a delivery once; repeats (any hex case) are duplicate_delivery', async () => {
  const { code, stdout, stderr } = await runNode('target/js-examples/readme/dedupe.js', { PROMPTFOO_WEBHOOK_SECRET: SECRET });
  assert.equal(code, 0, stderr);
  assert.equal(stdout, 'first: issue.created\nrepeat: duplicate_delivery\nrepeat: duplicate_delivery\n');
});

test('Redis (redis-server on 127.0.0.1): one key per delivery, the repeat rejected', async () => {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  for (const issue of ['issue-1', 'issue-2']) {
    const { code, stdout, stderr } = await runNode('target/js-examples/readme/redis.js', { PROMPTFOO_WEBHOOK_SECRET: SECRET, REDIS_URL: redis.url, ISSUE_ID: issue });
    assert.equal(code, 0, stderr);
    assert.equal(stdout, `accepted issue.created\nrejected duplicate_delivery\nkeys ${issue === 'issue-1' ? 1 : 2}\n`);
  }
});

test('failOpen: a store failure accepts unchecked and calls the callback; bad signatures still fail', async () => {
  const { code, stdout, stderr } = await runNode('target/js-examples/readme/failopen.js', { PROMPTFOO_WEBHOOK_SECRET: SECRET });
  assert.equal(code, 0, stderr);
  assert.equal(
    stdout,
    [
      'warn: replay store down, accepting unchecked: connect ECONNREFUSED 127.0.0.1:6379',
      'open: accepted issue.created',
      'open, tampered: rejected signature_mismatch',
      'closed: rejected connect ECONNREFUSED 127.0.0.1:6379',
      '',
    ].join('\n'),
  );
});

test('migrating: the document\'s sample vs this library, delivery by delivery', async () => {
  const DOC_SECRET = 'your-webhook-secret'; // the literal in the document's sample
  const ports = { doc: await freePort(), library: await freePort() };
  const doc = await startNode('target/js-examples/readme/migrate-doc.cjs', { PORT: ports.doc }, ['PORT']);
  const library = await startNode(
    'target/js-examples/readme/migrate-library.js',
    { PORT: ports.library, PROMPTFOO_WEBHOOK_SECRET: SECRET, PROMPTFOO_WEBHOOK_SECRET_OLD: DOC_SECRET, NODE_ENV: 'test' },
    ['PORT'],
  );
  try {
    const body = issueEvent('issue.created', {});
    const big = issueEvent('issue.created', { history: ['x'.repeat(200 * 1024)] });
    const stale = issueEvent('issue.created', {}, {}, nowIso(-86_400_000));
    // [what, body, signature, content type, the document's status, this library's status]
    const cases = [
      ['valid delivery', body, hmac(body, DOC_SECRET), 'application/json', 200, 200],
      ['short signature', body, 'abc', 'application/json', 500, 401],
      ['no signature header', body, null, 'application/json', 500, 401],
      ['upper-case hex', body, hmac(body, DOC_SECRET).toUpperCase(), 'application/json', 401, 200],
      ['wrong secret', body, hmac(body, OLD_SECRET), 'application/json', 401, 401],
      ['the new secret during a rotation', body, hmac(body, SECRET), 'application/json', 401, 200],
      ['a day-old replay', stale, hmac(stale, DOC_SECRET), 'application/json', 200, 400],
      ['a 200 KB issue', big, hmac(big, DOC_SECRET), 'application/json', 413, 200],
      ['not application/json', body, hmac(body, DOC_SECRET), 'text/plain', 500, 415],
    ];
    for (const [what, delivery, signature, type, docStatus, libraryStatus] of cases) {
      const got = [];
      for (const port of [ports.doc, ports.library]) got.push((await post(`http://127.0.0.1:${port}/webhook-endpoint`, delivery, signature, type)).status);
      assert.deepEqual(got, [docStatus, libraryStatus], what);
    }
    assert.equal(doc.output.stdout.match(/Received issue.created event/g).length, 2);
    assert.equal(library.output.stdout.match(/Received issue.created event/g).length, 4);
    // The 500s are timingSafeEqual (and Buffer.from) throwing.
    assert.match(doc.output.stderr, /RangeError: Input buffers must have the same byte length|ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH/);
  } finally {
    await Promise.all([doc.stop(), library.stop()]);
  }
});

test('Rust (cargo run --example readme): the current or the old secret verifies; a tampered body is an error', async () => {
  const run = (body, signature) =>
    new Promise((resolve) => {
      const child = execFile(
        'cargo',
        ['run', '--quiet', '--example', 'readme', '--', ...(signature === null ? [] : [signature])],
        { cwd: ROOT, env: { ...process.env, SECRET_NOW: SECRET, SECRET_BEFORE_ROTATION: OLD_SECRET }, timeout: 300_000 },
        (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }),
      );
      child.stdin.end(body);
    });
  const body = issueEvent('issue.comment_added', {});
  assert.deepEqual(await run(body, hmac(body)).then((r) => [r.code, r.stdout]), [0, 'issue.comment_added (secret #0)\n']);
  assert.deepEqual(await run(body, hmac(body, OLD_SECRET)).then((r) => [r.code, r.stdout]), [0, 'issue.comment_added (secret #1)\n']);
  const tampered = await run(body.replace('high', 'low'), hmac(body));
  assert.equal(tampered.code, 1);
  assert.match(tampered.stderr, /SignatureMismatch/);
  const missing = await run(body, null);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /MissingSignature/);
  const stale = issueEvent('issue.comment_added', {}, {}, nowIso(-3600_000));
  assert.match((await run(stale, hmac(stale))).stderr, /Timestamp/);
});
