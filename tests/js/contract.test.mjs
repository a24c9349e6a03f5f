// The wire contract (src/contract.rs) and what is built from it:
// - every generated file matches the contract (scripts/generate.mjs --check);
// - the types say exactly what the runtime guarantees: each member of each
//   event is removed in turn (and set to null), and `verify` refuses the
//   payload iff the .d.ts requires it (tsc checks one assertion per member);
// - pkg/ has no import cycle, and imports point down the layers:
//   entries -> index -> http -> inbox -> router, send, management -> verify -> core -> generated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_NAMES, sampleEvent, sign, signPayload, STATUS_BY_CODE, verify } from 'promptfoo-webhooks';
import { ERRORS, HTTP_ERRORS } from '../../pkg/src/generated/contract.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'whsec-contract-0123456789abcdef';

test('every generated file matches src/contract.rs (make generate rewrites them)', () => {
  const output = execFileSync(process.execPath, ['scripts/generate.mjs', '--check'], { cwd: ROOT, encoding: 'utf8' });
  assert.match(output, /every generated file matches/);
});

test('the generated tables reach the package: every code has a status and a hint, every event a sample', () => {
  const texts = { ...ERRORS, ...HTTP_ERRORS };
  assert.deepEqual(Object.keys(texts).sort(), Object.keys(STATUS_BY_CODE).sort());
  for (const [code, { meaning, hint }] of Object.entries(texts)) {
    assert.ok(STATUS_BY_CODE[code] >= 400 && STATUS_BY_CODE[code] < 600, code);
    assert.ok(hint.length > 0 && meaning.length > 0, code);
  }
  for (const name of EVENT_NAMES) {
    const { body, headers } = signPayload(sampleEvent(name), SECRET);
    assert.equal(verify(body, headers['X-Promptfoo-Signature'], SECRET).event, name);
  }
});

// ---------------------------------------------------------------- types vs runtime

/** Every member path of a payload, down through plain objects (arrays are values). */
function memberPaths(value, prefix = []) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.keys(value).flatMap((key) => [[...prefix, key], ...memberPaths(value[key], [...prefix, key])]);
}

function withMember(payload, path, change) {
  const copy = structuredClone(payload);
  const parent = path.slice(0, -1).reduce((object, key) => object[key], copy);
  change(parent, path.at(-1));
  return copy;
}

/** Whether verify accepts `payload` (signed with sign(), as signPayload would refuse to sign it). */
function accepts(payload) {
  const body = JSON.stringify(payload);
  try {
    verify(body, sign(body, SECRET), SECRET);
    return true;
  } catch (error) {
    if (error.code !== 'invalid_payload') throw error;
    return false;
  }
}

// Type-level questions about a member `K` of `T`: declared (not only an
// index signature or `unknown`), optional, and admitting null.
const TYPE_HELPERS = `
import type { KnownEvent } from 'promptfoo-webhooks';
type Known<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
type Declared<T, K extends string> = [K] extends [Known<T>] ? true : false;
type Optional<T, K extends string> = K extends keyof T ? ({} extends Pick<T, K> ? true : false) : never;
type AdmitsNull<T, K extends string> = K extends keyof T ? (null extends T[K] ? true : false) : never;
type Event<N extends KnownEvent['event']> = Extract<KnownEvent, { event: N }>;
`;

test('a member is required in the types if and only if verify refuses a payload without it', () => {
  // What the runtime does, member by member: removed, and set to null. A
  // member the types do not declare (the sender's free-form data) must be
  // accepted either way.
  const lines = [TYPE_HELPERS];
  let compared = 0;
  for (const name of EVENT_NAMES) {
    const sample = sampleEvent(name, { timestamp: '2025-03-14T12:34:56Z' });
    for (const path of memberPaths(sample)) {
      const refusedMissing = !accepts(withMember(sample, path, (parent, key) => delete parent[key]));
      const acceptsNull = accepts(withMember(sample, path, (parent, key) => (parent[key] = null)));
      const parent = path.slice(0, -1).reduce((type, key) => `NonNullable<${type}[${JSON.stringify(key)}]>`, `Event<${JSON.stringify(name)}>`);
      const key = JSON.stringify(path.at(-1));
      const id = `m${compared++}`;
      lines.push(`// ${name}: $.${path.join('.')}`);
      lines.push(
        `const ${id}a: Declared<${parent}, ${key}> extends true ? (Optional<${parent}, ${key}> extends ${!refusedMissing} ? true : false) : ${!refusedMissing} = true;`,
        `const ${id}b: Declared<${parent}, ${key}> extends true ? (AdmitsNull<${parent}, ${key}> extends ${acceptsNull} ? true : false) : ${acceptsNull} = true;`,
      );
    }
  }
  assert.ok(compared > 60, `only ${compared} members compared`);

  // What the types say: tsc checks every line against the built .d.ts.
  const dir = mkdtempSync(join(tmpdir(), 'pfw-contract-'));
  try {
    writeFileSync(join(dir, 'members.ts'), `${lines.join('\n')}\nexport {};\n`);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          types: [],
          noUnusedLocals: false,
          paths: { 'promptfoo-webhooks': [join(ROOT, 'pkg/dist/index.d.ts')] },
        },
        files: ['members.ts'],
      }),
    );
    const tsc = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['--noEmit', '-p', dir], { encoding: 'utf8' });
    const text = readFileSync(join(dir, 'members.ts'), 'utf8').split('\n');
    // Each error names its line: show the member it is about (the comment above it).
    const memberAt = (line) => text.slice(0, line).findLast((l) => l.startsWith('// '));
    const explained = tsc.stdout.replace(/members\.ts\((\d+),\d+\)/g, (all, line) => `${all} [${memberAt(Number(line))}]`);
    assert.equal(tsc.status, 0, `the types disagree with verify:\n${explained}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- layers

const PKG = join(ROOT, 'pkg');
// Lower numbers are lower layers; an import may only point to the same
// layer or a lower one. The generated bindings (wasm/, which `make build`
// writes beside src/) sit in the core layer: they import core/errors.js,
// and only core imports them. Every folder of pkg/src is listed: a file in
// none fails the test below.
const LAYERS = [
  ['src/generated/', 0],
  ['wasm/', 1],
  ['src/core/', 1],
  ['src/stores/', 2],
  ['src/verify/', 2],
  ['src/send/', 3],
  ['src/management/', 3],
  ['src/router.js', 3],
  ['src/inbox/', 4],
  ['src/http/', 5],
  ['src/receive.js', 6],
  ['src/index.js', 6],
  ['src/node-runtime.js', 6],
  ['src/node.js', 7],
  ['src/node-verify.js', 7],
  ['src/workerd.js', 7],
  ['src/browser.js', 7],
  ['bin/', 8],
];
const layerOf = (file) => LAYERS.find(([prefix]) => relative(PKG, file).startsWith(prefix))?.[1];

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : jsFiles(path);
    return /\.(m?js|cjs)$/.test(entry.name) ? [path] : [];
  });
}

/** The package-relative imports of each file (bare specifiers and node: builtins left out). */
function importGraph() {
  const graph = new Map();
  for (const file of jsFiles(PKG)) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)]
      .map((match) => match[1] ?? match[2])
      .filter((specifier) => specifier.startsWith('.'));
    graph.set(
      file,
      specifiers.map((specifier) => resolve(dirname(file), specifier)).filter((target) => /\.(m?js|cjs)$/.test(target)),
    );
  }
  return graph;
}

test('pkg/ has no import cycle', () => {
  const graph = importGraph();
  assert.ok(graph.size > 20, `only ${graph.size} files found`);
  const state = new Map(); // file -> 'visiting' | 'done'
  const visit = (file, trail) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'visiting') {
      assert.fail(`import cycle: ${[...trail.slice(trail.indexOf(file)), file].map((f) => relative(PKG, f)).join(' -> ')}`);
    }
    state.set(file, 'visiting');
    for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
});

test('imports point down the layers; only core touches the wasm bindings; nothing imports the index from inside', () => {
  const graph = importGraph();
  const bindings = [join(PKG, 'wasm/core.js'), join(PKG, 'wasm/tools.js')];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    if (relative(PKG, file).startsWith('src/')) assert.notEqual(from, undefined, `${relative(PKG, file)} is in no layer: add its folder to LAYERS`);
    for (const target of targets) {
      const label = `${relative(PKG, file)} imports ${relative(PKG, target)}`;
      const to = layerOf(target);
      if (from === undefined || to === undefined) continue; // bin/ -> dist/ is the built package
      assert.ok(to <= from, `${label}: an import that points up`);
      if (bindings.includes(target)) {
        assert.ok(relative(PKG, file).startsWith('src/core/'), `${label}: only core/ imports the wasm bindings`);
      }
      if (target === join(PKG, 'src/index.js')) {
        assert.ok(['src/node.js', 'src/workerd.js', 'src/browser.js'].includes(relative(PKG, file)), `${label}`);
      }
    }
  }
});
