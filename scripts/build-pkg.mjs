// Bundles the hand-written JS in pkg/src around the generated bindings into
// pkg/dist: one ES module per runtime, a CommonJS build for require(), and
// the wasm file beside them.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { byteText } from './byte-text.mjs';
import { copyShippedExamples } from './npm-readme.mjs';

const src = new URL('../pkg/src/', import.meta.url);
// What `make build` wrote: the wasm modules and their bindings.
const wasm = new URL('../pkg/wasm/', import.meta.url);
const dist = new URL('../pkg/dist/', import.meta.url);
const path = (base, name) => new URL(name, base).pathname;

rmSync(dist, { recursive: true, force: true });
mkdirSync(new URL('wasm/', dist), { recursive: true });
for (const name of ['core_bg.wasm', 'tools_bg.wasm']) copyFileSync(new URL(name, wasm), new URL(`wasm/${name}`, dist));
// pkg/examples/: the examples the user guide (pkg/README.md, the npm page) links to.
copyShippedExamples();
(await import('./examples.mjs')).writeExamples(); // target/js-examples/: the examples' TypeScript stripped to JavaScript
// One hand-written declaration file serves both module systems.
for (const name of ['index.d.ts', 'index.d.cts']) copyFileSync(new URL('../index.d.ts', src), new URL(name, dist));
copyFileSync(new URL('core/tools-source.workerd.js', src), new URL('tools-source.workerd.js', dist));

// Each wasm module ships once as a .wasm file, which Node, the portable
// build and Workers load, and once as the text of a string literal (one
// character per byte, byte-text.mjs) inlined in browser.js alone, which
// compiles it synchronously: a browser cannot import a .wasm file, Workers
// may not compile bytes, and a page without a bundler loads browser.js as
// its one file. An app's bundler drops the tools' string when no tool is used.
for (const name of ['core', 'tools']) {
  const bytes = readFileSync(new URL(`${name}_bg.wasm`, wasm));
  writeFileSync(new URL(`${name}_text.js`, wasm), `export default ${byteText(bytes)};\n`);
}

/**
 * Puts core/<module>-source.<runtime>.js where an import names
 * <module>-source.js (core/wasm.js the tools', browser.js the core's):
 * bundled in, or (Workers) left as a file of its own beside the bundle, so
 * an app's bundler drops it, and the tools module it imports, when no tool
 * is used (the package has no side effects). Without this plugin the
 * default sources read the .wasm files with node:fs (the Node and portable
 * builds).
 */
const wasmSources = (runtime, { external = false } = {}) => ({
  name: `wasm-sources-${runtime}`,
  setup(build) {
    build.onResolve({ filter: /^\.\/(core\/)?(core|tools)-source\.js$/ }, ({ path: request }) => {
      const module = request.match(/(core|tools)-source/)[1];
      return external
        ? { path: `./${module}-source.${runtime}.js`, external: true }
        : { path: path(src, `core/${module}-source.${runtime}.js`) };
    });
    // The modules' text, written above beside the bindings (pkg/wasm/).
    build.onResolve({ filter: /^\.\/wasm\/\w+_text\.js$/ }, ({ path: request }) => ({ path: path(wasm, request.slice('./wasm/'.length)) }));
  },
});

// The Node builds are not minified: an uncaught error prints a short stack
// with real names, files and lines, and size does not matter on a server.
// The Workers and browser builds, where every KB is uploaded or downloaded,
// are minified, identifiers included (2.5 KB gzip); errors still carry
// their names (errors.js sets them), and classes their Symbol.toStringTag. keepNames would keep class names as well, but
// its __name() calls are side effects that stop an app's bundler from
// dropping what it does not use (tests/js/bundles.test.mjs).
const common = { bundle: true, target: 'es2022', legalComments: 'none', logLevel: 'warning' };
const small = { ...common, minifyWhitespace: true, minifySyntax: true, minifyIdentifiers: true };

await Promise.all([
  // Two Node ES entries, each one file: node.js (the whole API) and
  // verify.js (the receiving surface, `promptfoo-webhooks/verify`). Not
  // split into a shared chunk: each extra module costs Node's loader more
  // at startup than the copy costs on disk. Errors from either copy are
  // instances of both copies' classes (core/errors.js brands them).
  build({ ...common, entryPoints: [path(src, 'node.js')], outfile: path(dist, 'node.js'), format: 'esm', platform: 'node' }),
  build({ ...common, entryPoints: [path(src, 'node-verify.js')], outfile: path(dist, 'verify.js'), format: 'esm', platform: 'node' }),
  build({
    ...common,
    entryPoints: [path(src, 'node.js')],
    outfile: path(dist, 'node.cjs'),
    format: 'cjs',
    platform: 'node',
    // CommonJS has no import.meta: point it at this file instead.
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: 'const __import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  }),
  build({
    ...small,
    entryPoints: [path(src, 'workerd.js')],
    outfile: path(dist, 'workerd.js'),
    format: 'esm',
    platform: 'neutral',
    external: ['*.wasm'],
    plugins: [wasmSources('workerd', { external: true })],
  }),
  // The portable (wasm-only) build for require(), e.g. to compare paths in
  // Node: browser.js with the default sources, which read the .wasm files.
  build({
    ...common,
    entryPoints: [path(src, 'browser.js')],
    outfile: path(dist, 'portable.cjs'),
    format: 'cjs',
    platform: 'neutral',
    external: ['node:*'],
    // CommonJS has no import.meta: point it at this file instead, as node.cjs does.
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: 'const __import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  }),
  build({
    ...small,
    entryPoints: [path(src, 'browser.js')],
    outfile: path(dist, 'browser.js'),
    format: 'esm',
    platform: 'neutral',
    plugins: [wasmSources('browser')],
  }),
]);

// esbuild's CommonJS interop helpers walk the export table with for-in and
// define each export with a descriptor literal, which reads `get`, `set`,
// `value` and `writable` through Object.prototype: an app whose prototype
// was polluted before require() (any enumerable key, or `get`) would see
// require() throw. The two helpers are rewritten to walk own keys and pass
// descriptors without a prototype; a build whose helpers read otherwise stops here.
const INTEROP_FIXES = [
  ['var __defProp = Object.defineProperty;', 'var __defProp = (target, key, descriptor) => Object.defineProperty(target, key, { __proto__: null, ...descriptor });'],
  ['  for (var name in all)\n', '  for (var name of Object.keys(all))\n'],
];
for (const name of ['node.cjs', 'portable.cjs']) {
  const file = new URL(name, dist);
  let code = readFileSync(file, 'utf8');
  for (const [from, to] of INTEROP_FIXES) {
    if (code.split(from).length !== 2) throw new Error(`build-pkg: ${name} has not exactly one '${from.trim()}': esbuild's helpers changed`);
    code = code.replace(from, to);
  }
  writeFileSync(file, code);
}
// The receiving entry's declarations are the whole API's, for the names it
// exports: read from the built entry, so receive.js alone lists them.
const receiving = Object.keys(await import(new URL('verify.js', dist).href)).sort();
for (const [name, index] of [['verify.d.ts', './index.js'], ['verify.d.cts', './index.cjs']]) {
  const declarations = `// promptfoo-webhooks/verify: the receiving surface, declared in index.d.ts.
export type * from '${index}';
export { ${receiving.join(', ')} } from '${index}';
`;
  writeFileSync(new URL(name, dist), declarations);
}
console.log('[build] pkg/dist: node.js, verify.js, node.cjs, workerd.js (+ tools-source.workerd.js), browser.js, portable.cjs, index.d.ts, index.d.cts, verify.d.ts, verify.d.cts, wasm/core_bg.wasm, wasm/tools_bg.wasm');
