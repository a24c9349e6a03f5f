// The package as a user gets it: `npm pack` of pkg/ (after `make build`),
// installed from the tarball into a fresh project, then used from Node ESM,
// CommonJS, TypeScript (node16 and bundler resolution) and the bin.
// publint and @arethetypeswrong/cli check the same tarball.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHIPPED_EXAMPLES } from '../../scripts/npm-readme.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PKG = join(ROOT, 'pkg');
const FIXTURES = fileURLToPath(new URL('./consumer/', import.meta.url));
const BIN = (name) => join(ROOT, 'node_modules', '.bin', name);
const { version: VERSION } = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));

let dir; // holds the tarball and the consumer project
let tarball;
let packed; // the file list npm reported
let project;

/** Runs a command to the end: { status, stdout, stderr }. */
function run(command, args, cwd = project) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.error) throw result.error;
  return result;
}

function succeed(command, args, cwd) {
  const result = run(command, args, cwd);
  assert.equal(result.status, 0, `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pfw-package-'));
  const [info] = JSON.parse(succeed('npm', ['pack', '--json', '--pack-destination', dir], PKG));
  tarball = join(dir, info.filename);
  packed = info.files.map((file) => file.path).sort();

  project = join(dir, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // The package has no dependencies, so the install needs no registry.
  succeed('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball]);
  for (const name of ['esm.mjs', 'receiving.mjs', 'cjs.cjs', 'bad.ts']) copyFileSync(join(FIXTURES, name), join(project, name));
  for (const name of ['check.ts', 'check.mts', 'check.cts']) copyFileSync(join(FIXTURES, 'check.ts'), join(project, name));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('the tarball holds the built runtimes, both declaration files, the wasm, the bin and the examples; no sources', () => {
  const examples = packed.filter((file) => file.startsWith('examples/'));
  const shipped = new Set(examples.map((file) => file.split('/')[1]));
  assert.deepEqual([...shipped].sort(), [...SHIPPED_EXAMPLES].sort());
  assert.deepEqual(packed.filter((file) => !file.startsWith('examples/')), [
    'README.md',
    'bin/cli.js',
    'bin/commands/inbox.js',
    'bin/commands/sample.js',
    'bin/commands/secret.js',
    'bin/commands/send.js',
    'bin/commands/serve.js',
    'bin/commands/sign.js',
    'bin/commands/verify.js',
    'bin/commands/webhooks.js',
    'bin/inbox-watch.js',
    'bin/inspector/page.html',
    'bin/inspector/server.js',
    'bin/payload.js',
    'bin/promptfoo-webhooks.js',
    'dist/browser.js',
    'dist/index.d.cts',
    'dist/index.d.ts',
    'dist/node.cjs',
    'dist/node.js',
    'dist/portable.cjs',
    'dist/tools-source.workerd.js',
    'dist/verify.d.cts',
    'dist/verify.d.ts',
    'dist/verify.js',
    'dist/wasm/core_bg.wasm',
    'dist/wasm/tools_bg.wasm',
    'dist/workerd.js',
    'package.json',
    'portable/package.json',
    'verify/package.json',
  ]);
});

// Workers import a .wasm file and may not compile bytes; browsers cannot
// import one, and a page without a bundler loads browser.js alone: each
// module ships as its .wasm file and as text inlined in browser.js, and no
// other bundle carries a third copy.
test('each wasm module ships once as a .wasm file and once as text in browser.js; no other bundle inlines one', () => {
  const dist = join(project, 'node_modules/promptfoo-webhooks/dist');
  const bundles = packed.filter((file) => /^dist\/[^/]+\.c?js$/.test(file)).map((file) => file.slice('dist/'.length));
  assert.ok(bundles.includes('browser.js') && bundles.includes('portable.cjs'), bundles.join(', '));
  const wasm = (name) => readFileSync(join(dist, `wasm/${name}_bg.wasm`), 'latin1');
  for (const [name, other] of [['core', 'tools'], ['tools', 'core']]) {
    // Runs of prose only this module holds (names it imports or exports are in the glue too),
    // which a bundle inlining the module holds as they are.
    const runs = wasm(name).match(/[A-Za-z0-9 ,.:()_-]{24,}/g).filter((run) => run.includes(' ') && !wasm(other).includes(run));
    assert.ok(runs.length >= 3, `${name}: ${runs.length} runs`);
    const holders = bundles.filter((file) => runs.some((run) => readFileSync(join(dist, file), 'latin1').includes(run)));
    assert.deepEqual(holders, ['browser.js'], `the bundles that hold text of the ${name} module`);
  }
});

/** The anchor GitHub and npm give a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

// The package has no repository URL, so npm resolves a relative link
// against nothing: only files in the tarball, the page's own headings and
// absolute URLs work there.
test("the README's relative links all point into the tarball, and its anchors to its headings", () => {
  const readme = readFileSync(join(project, 'node_modules/promptfoo-webhooks/README.md'), 'utf8');
  const prose = readme.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, ''); // links are not made in code blocks
  const targets = [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]).filter((target) => !/^[a-z]+:/.test(target));
  const files = targets.filter((target) => !target.startsWith('#'));
  assert.ok(files.length >= 8, `${files.length} relative links`);
  const broken = files.filter((target) => !packed.some((file) => file === target || (target.endsWith('/') && file.startsWith(target))));
  assert.deepEqual(broken, []);
  const anchors = new Set([...prose.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1])));
  assert.deepEqual(targets.filter((target) => target.startsWith('#') && !anchors.has(target.slice(1))), []);
  // The receivers it links to run from where they are installed.
  assert.ok(packed.includes('examples/hono/app.mjs') && packed.includes('examples/nextjs/app/webhooks/promptfoo/route.js'));
});

test("the README names nothing that only the repository has: make targets, tests/, js-examples/, ../shared", () => {
  const readme = readFileSync(join(project, 'node_modules/promptfoo-webhooks/README.md'), 'utf8');
  const lines = readme.split('\n');
  const repositoryOnly = /`make\b|\bmake (?:demo|test|build|bench|generate|soak|timing|load|fuzz|screenshot)|\btests\/|js-examples\/|\.\.\/shared/;
  const found = lines.map((line, k) => `README.md:${k + 1}: ${line}`).filter((line) => repositoryOnly.test(line.replace(/^README\.md:\d+: /, '')));
  assert.deepEqual(found, []);
});

test('publint --strict finds nothing in the tarball', () => {
  const output = succeed(BIN('publint'), ['run', tarball, '--strict'], ROOT);
  assert.match(output, /All good!/);
});

test('arethetypeswrong finds no problem in any resolution mode', () => {
  const result = run(BIN('attw'), [tarball, '--format', 'json'], ROOT);
  const report = JSON.parse(result.stdout);
  assert.deepEqual(report.analysis.problems, [], JSON.stringify(report.analysis.problems, null, 2));
  assert.equal(result.status, 0);
  const kinds = Object.values(report.analysis.entrypoints['.'].resolutions).map((r) => [r.resolutionKind, r.resolution?.fileName]);
  assert.deepEqual(kinds.sort(), [
    ['bundler', '/node_modules/promptfoo-webhooks/dist/index.d.ts'],
    ['node10', '/node_modules/promptfoo-webhooks/dist/index.d.ts'],
    ['node16-cjs', '/node_modules/promptfoo-webhooks/dist/index.d.cts'],
    ['node16-esm', '/node_modules/promptfoo-webhooks/dist/index.d.ts'],
  ]);
  const receiving = Object.values(report.analysis.entrypoints['./verify'].resolutions).map((r) => [r.resolutionKind, r.resolution?.fileName]);
  assert.deepEqual(receiving.sort(), [
    ['bundler', '/node_modules/promptfoo-webhooks/dist/verify.d.ts'],
    ['node10', '/node_modules/promptfoo-webhooks/dist/verify.d.cts'],
    ['node16-cjs', '/node_modules/promptfoo-webhooks/dist/verify.d.cts'],
    ['node16-esm', '/node_modules/promptfoo-webhooks/dist/verify.d.ts'],
  ]);
});

// `make test-package` runs this file on each Node line engines names, that
// line's node first on PATH: npm, npx and the bin's `#!/usr/bin/env node` run on it too.
test("engines names the Node line these tests run on, which is the node the bin and npm find", () => {
  const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'promptfoo-webhooks', 'package.json'), 'utf8'));
  const lines = installed.engines.node.split('||').map((range) => Number(range.trim().match(/^\^(\d+)\.0\.0$/)?.[1]));
  assert.ok(lines.length > 0 && lines.every(Number.isInteger), `engines.node is a list of ^N.0.0 lines: ${installed.engines.node}`);
  assert.ok(lines.includes(Number(process.versions.node.split('.')[0])), `Node ${process.version} is not in engines.node (${installed.engines.node})`);
  assert.equal(succeed('node', ['--version']).trim(), process.version);
});

test('Node ESM: import resolves to dist/node.js; sign and verify work', () => {
  const result = JSON.parse(succeed(process.execPath, ['esm.mjs']));
  assert.match(result.resolved, /\/node_modules\/promptfoo-webhooks\/dist\/node\.js$/);
  assert.deepEqual(
    { ...result, resolved: undefined },
    { resolved: undefined, matchesNodeCrypto: true, event: 'issue.created', issue: 'esm-1', secretIndex: 1 },
  );
});

test('Node ESM: promptfoo-webhooks/verify resolves to dist/verify.js, verifies, and its errors are the whole API\'s', () => {
  const result = JSON.parse(succeed(process.execPath, ['receiving.mjs']));
  assert.match(result.resolved, /\/node_modules\/promptfoo-webhooks\/dist\/verify\.js$/);
  assert.deepEqual({ ...result, resolved: undefined }, { resolved: undefined, issue: 'verify-1', rejected: 'signature_mismatch' });
});

test('Node CommonJS: require resolves to dist/node.cjs; sign, verify and the error class work', () => {
  const result = JSON.parse(succeed(process.execPath, ['cjs.cjs']));
  assert.match(result.resolved, /\/node_modules\/promptfoo-webhooks\/dist\/node\.cjs$/);
  assert.deepEqual(
    { ...result, resolved: undefined },
    { resolved: undefined, matchesNodeCrypto: true, event: 'evaluation.completed', jobId: 'cjs-1', rejected: 'signature_mismatch' },
  );
});

test('the bin is installed executable (npx and node_modules/.bin)', () => {
  const secret = succeed(join(project, 'node_modules', '.bin', 'promptfoo-webhooks'), ['secret']);
  assert.match(secret, /^[0-9a-f]{64}\n$/);
  assert.equal(succeed('npx', ['--offline', '--no-install', 'promptfoo-webhooks', '--version']), `${VERSION}\n`);
});

/** Writes a tsconfig for `files` and runs tsc on it; returns { status, stdout }. */
function tsc(name, compilerOptions, files) {
  const config = {
    compilerOptions: { target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [], ...compilerOptions },
    files,
  };
  writeFileSync(join(project, `${name}.json`), JSON.stringify(config));
  return run(BIN('tsc'), ['-p', `${name}.json`, '--listFiles']);
}

test('TypeScript, moduleResolution node16: ESM uses index.d.ts, CommonJS index.d.cts; narrowing by event name', () => {
  const { status, stdout } = tsc('tsconfig.node16', { module: 'node16', moduleResolution: 'node16' }, ['check.mts', 'check.cts']);
  assert.equal(status, 0, stdout);
  assert.match(stdout, /node_modules\/promptfoo-webhooks\/dist\/index\.d\.ts$/m);
  assert.match(stdout, /node_modules\/promptfoo-webhooks\/dist\/index\.d\.cts$/m);
});

test('TypeScript, moduleResolution bundler: index.d.ts; narrowing by event name', () => {
  const { status, stdout } = tsc('tsconfig.bundler', { module: 'esnext', moduleResolution: 'bundler' }, ['check.ts']);
  assert.equal(status, 0, stdout);
  assert.match(stdout, /node_modules\/promptfoo-webhooks\/dist\/index\.d\.ts$/m);
});

test('TypeScript rejects wrong uses: the declarations are really read', () => {
  const { status, stdout } = tsc('tsconfig.bad', { module: 'node16', moduleResolution: 'node16' }, ['bad.ts']);
  assert.notEqual(status, 0);
  assert.match(stdout, /bad\.ts\(7,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  assert.match(stdout, /bad\.ts\(9,\d+\): error TS2345: Argument of type '(number|42)' is not assignable/);
});

// The user guide's snippets, from the tarball: their TypeScript sources
// (js-examples/readme/) compiled against the installed package under the
// strict flags the repository checks them with, and one of them run.
test("TypeScript: the user guide's snippet sources compile against the installed package", () => {
  const sources = join(ROOT, 'js-examples/readme');
  const snippets = join(project, 'snippets');
  mkdirSync(snippets, { recursive: true });
  const names = readdirSync(sources).filter((name) => name.endsWith('.ts'));
  assert.ok(names.length >= 12, `${names.length} snippet sources`);
  for (const name of names) copyFileSync(join(sources, name), join(snippets, name));
  writeFileSync(join(snippets, 'package.json'), JSON.stringify({ type: 'module' })); // ES modules, as in the repository
  // Their other dependencies (Express, node-redis, @hono/node-server, Node's types) come from the repository's devDependencies.
  const dependency = (name) => [join(ROOT, 'node_modules', name)];
  const { status, stdout } = tsc(
    'tsconfig.snippets',
    {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      lib: ['es2022', 'dom'],
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
      paths: {
        express: dependency('@types/express/index.d.ts'),
        redis: dependency('redis/dist/index.d.ts'),
        '@hono/node-server': dependency('@hono/node-server/dist/index.d.mts'),
      },
    },
    names.map((name) => `snippets/${name}`),
  );
  assert.equal(status, 0, stdout);
  const declarations = stdout.split('\n').filter((file) => /promptfoo-webhooks\/dist\/index\.d\.ts$|pkg\/index\.d\.ts$/.test(file));
  assert.deepEqual(declarations.map((file) => file.replace(project, '<project>')), ['<project>/node_modules/promptfoo-webhooks/dist/index.d.ts']);
});

test("a snippet runs from the installed package: verifyOnce accepts a delivery once", () => {
  copyFileSync(join(ROOT, 'target/js-examples/readme/dedupe.js'), join(project, 'dedupe.mjs'));
  const secret = 'a'.repeat(64);
  const result = spawnSync(process.execPath, ['dedupe.mjs'], { cwd: project, encoding: 'utf8', env: { ...process.env, PROMPTFOO_WEBHOOK_SECRET: secret } });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'first: issue.created\nrepeat: duplicate_delivery\nrepeat: duplicate_delivery\n');
});
