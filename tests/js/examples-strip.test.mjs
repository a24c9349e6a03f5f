// scripts/examples.mjs: the JavaScript the examples' TypeScript strips to
// reads as written by hand (the README shows it), for each shape of type
// the sources use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { javaScriptName, toJavaScript } from '../../scripts/examples.mjs';

const strip = (typescript) => toJavaScript([typescript])[0];

test('annotations, generics and non-null assertions close up with the spacing a hand would use', () => {
  assert.equal(strip('async function f(request: Request, env: Env): Promise<Response> {}'), 'async function f(request, env) {}');
  assert.equal(strip('const chunks: Buffer[] = [];'), 'const chunks = [];');
  assert.equal(strip('let webhook: Webhook | undefined; // one per isolate'), 'let webhook; // one per isolate');
  assert.equal(strip('const app = new Hono<{ Bindings: Env }>();'), 'const app = new Hono();');
  assert.equal(strip('function g(this: Window, a?: number) { return a!; }'), 'function g(a) { return a; }');
});

test('type-only lines go, and the blank line after them when one is before', () => {
  assert.equal(strip("import a from 'a';\nimport type { T } from 'a';\n\ninterface Env {\n  X: T; // a comment of the type\n}\n\nlet x;"), "import a from 'a';\n\nlet x;");
  assert.equal(strip('// README:begin x\ninterface Env {}\n\nlet x;\n// README:end'), '// README:begin x\nlet x;\n// README:end');
});

test('type specifiers leave no comma or empty braces; comments name the JavaScript files', () => {
  assert.equal(strip("import { A, type B } from 'a';"), "import { A } from 'a';");
  assert.equal(strip("import express, { type Request } from 'express';"), "import express from 'express';");
  assert.equal(strip('// src/index.ts, app/route.ts and index.d.ts'), '// src/index.js, app/route.js and index.d.ts');
  assert.equal(strip("const url = 'redis://x.ts';"), "const url = 'redis://x.ts';");
});

test('a cast is refused, since `(x as T).y` would strip to `(x ).y`', () => {
  assert.throws(() => strip('const y = (x as { y: 1 }).y;'), /no `as` or `satisfies`/);
});

test('file names: .ts to .js, .mts to .mjs; declarations and other files are not TypeScript sources', () => {
  assert.deepEqual(['a.ts', 'a.mts', 'a.d.ts', 'a.mjs', 'a.toml'].map(javaScriptName), ['a.js', 'a.mjs', undefined, undefined, undefined]);
});
