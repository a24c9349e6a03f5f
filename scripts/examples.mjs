// The examples are written once, in TypeScript where they have types to
// show: js-examples/ holds the sources, and this script writes
// target/js-examples/, the same tree as it runs, each .ts/.mts file as the
// JavaScript its types strip to (.js/.mjs) and every other file copied. The
// README's JavaScript blocks are regions of that JavaScript
// (tests/js/readme.test.mjs), so they read as written by hand: Node's own
// type stripping (module.stripTypeScriptTypes, Node 22.13+) blanks the types
// where they stood, keeping comments and blank lines, and tidy() then closes
// the gaps it left. esbuild would reprint the code and drop the comments.
// The shipped examples get the same JavaScript beside their TypeScript in
// pkg/examples/ (scripts/npm-readme.mjs).
//
//   node scripts/examples.mjs   (build-pkg.mjs runs it)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const SOURCES = join(ROOT, 'js-examples');
export const OUTPUT = join(ROOT, 'target/js-examples');
// Node 20 has no type stripping: the Node 24 devDependency does it there.
const NODE24 = join(ROOT, 'node_modules/node24/bin/node');
// A Next.js build's output (were one run in js-examples/nextjs) and installed dependencies: not examples.
const SKIPPED = new Set(['.next', 'node_modules', 'next-env.d.ts']);

/** The JavaScript name of a TypeScript file (`a.mts` -> `a.mjs`, `a.ts` -> `a.js`), or undefined for any other file. */
export function javaScriptName(name) {
  if (name.endsWith('.d.ts')) return undefined;
  const match = name.match(/^(.*)\.(m?)ts$/);
  return match ? `${match[1]}.${match[2]}js` : undefined;
}

/** Every file below `dir`, as paths relative to it. */
function filesBelow(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .filter((entry) => !SKIPPED.has(entry.name))
    .flatMap((entry) => (entry.isDirectory() ? filesBelow(dir, join(prefix, entry.name)) : [join(prefix, entry.name)]));
}

/** The files of a js-examples/ entry (a file, or a folder's files), relative to js-examples/. */
export function exampleFiles(entry) {
  return statSync(join(SOURCES, entry)).isDirectory() ? filesBelow(SOURCES, entry) : [entry];
}

/** module.stripTypeScriptTypes over each text, in this process or in Node 24. */
function stripTypes(texts) {
  if (typeof module.stripTypeScriptTypes === 'function') {
    process.removeAllListeners('warning'); // it is marked experimental; the output is checked by the README tests
    return texts.map((text) => module.stripTypeScriptTypes(text, { mode: 'strip' }));
  }
  const result = spawnSync(NODE24, ['--no-warnings', fileURLToPath(import.meta.url), '--strip'], { input: JSON.stringify(texts), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`examples: type stripping failed\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

const isSpace = (char) => char === ' ' || char === '\t';
const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);

/**
 * One line with its blanked types closed up. A run of white space that holds
 * a blanked character becomes one space where the source had white space at
 * one of its ends (`): Promise<R> {` -> `) {`), else nothing
 * (`request: Request,` -> `request,`); right after an opening bracket only
 * white space the source had there counts (`(this: T, a` -> `(a`). A comma
 * left before a closing bracket was the removed item's (`{ A, type B }`).
 */
function closeGaps(source, line) {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (!isSpace(line[i])) {
      out += line[i++];
      continue;
    }
    let j = i;
    while (j < line.length && isSpace(line[j])) j++;
    const blanked = [...source.slice(i, j)].some((char) => !isSpace(char));
    // `(x as T).y` would strip to `(x ).y`: no one writes that by hand.
    if (/^\s+(as|satisfies)\s/.test(source.slice(i, j))) throw new Error(`examples: no \`as\` or \`satisfies\` in an example: ${source.trim()}`);
    if (!blanked) out += line.slice(i, j);
    else if (i === 0) out += source.match(/^[ \t]*/)[0];
    else if (j < line.length) {
      if (CLOSERS.has(line[j])) out = out.replace(/,$/, '');
      const afterOpener = OPENERS.has(out.at(-1)) && !isSpace(source[i]);
      if (!afterOpener && (isSpace(source[i]) || isSpace(source[j - 1]))) out += ' ';
    }
    i = j;
  }
  // `import x, { type T } from` leaves empty braces.
  return out.replace(/^(import \w+), \{ \} from /, '$1 from ').trimEnd();
}

/** In a `//` comment, a TypeScript file name is its JavaScript one (`src/index.ts` -> `src/index.js`). */
function javaScriptComment(line) {
  const at = line.search(/(^|\s)\/\/ /);
  if (at === -1) return line;
  return line.slice(0, at) + line.slice(at).replace(/([\w./-]+?)(?<!\.d)\.(m?)ts\b/g, '$1.$2js');
}

/**
 * The JavaScript of a TypeScript source, given what stripping made of it
 * (same length, the types blanked): lines that held only types go, with the
 * blank line after them when one is already before; each other line closes
 * its gaps.
 */
export function tidy(source, stripped) {
  const sourceLines = source.split('\n');
  const lines = stripped.split('\n');
  if (lines.length !== sourceLines.length) throw new Error('examples: stripping changed the line count');
  const out = [];
  let dropped = false;
  const lastKept = () => out.at(-1);
  for (const [k, line] of lines.entries()) {
    const typesOnly = line.trim() === '' && sourceLines[k].trim() !== '';
    if (typesOnly) {
      dropped = true;
      continue;
    }
    const blank = line.trim() === '';
    if (dropped && blank && (out.length === 0 || lastKept().trim() === '' || /README:begin/.test(lastKept()))) continue;
    if (dropped && /README:end/.test(line) && lastKept()?.trim() === '') out.pop();
    dropped = false;
    out.push(javaScriptComment(closeGaps(sourceLines[k], line)));
  }
  return out.join('\n');
}

/** The JavaScript of each TypeScript text. */
export function toJavaScript(sources) {
  const stripped = stripTypes(sources);
  return sources.map((source, k) => tidy(source, stripped[k]));
}

/** The JavaScript of the TypeScript files among `files` (relative to js-examples/): JavaScript path -> { text, source }. */
export function javaScriptFiles(files) {
  const typescript = files.filter((file) => javaScriptName(file) !== undefined);
  const javascript = toJavaScript(typescript.map((file) => readFileSync(join(SOURCES, file), 'utf8')));
  return new Map(typescript.map((file, k) => [join(dirname(file), javaScriptName(file.split('/').pop())), { text: javascript[k], source: file }]));
}

/** What target/js-examples/ holds: relative path -> { text, source } (from TypeScript) or { copy } (the source path, for a copied file). */
export function plannedOutput() {
  const files = filesBelow(SOURCES);
  const copied = files.filter((file) => javaScriptName(file) === undefined).map((file) => [file, { copy: join(SOURCES, file) }]);
  return new Map([...copied, ...javaScriptFiles(files)]);
}

/** Writes target/js-examples/. */
export function writeExamples() {
  rmSync(OUTPUT, { recursive: true, force: true });
  const planned = plannedOutput();
  for (const [file, { copy, text }] of planned) {
    mkdirSync(dirname(join(OUTPUT, file)), { recursive: true });
    if (copy) cpSync(copy, join(OUTPUT, file));
    else writeFileSync(join(OUTPUT, file), text);
  }
  console.log(`[build] ${relative(ROOT, OUTPUT)}: ${planned.size} files, ${[...planned.values()].filter((p) => p.text !== undefined).length} of them from TypeScript`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--strip') process.stdout.write(JSON.stringify(stripTypes(JSON.parse(readFileSync(0, 'utf8')))));
  else writeExamples();
}
