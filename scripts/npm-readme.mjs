// The package's examples: the runnable files of js-examples/ that the
// user guide (pkg/README.md, written by hand: what npm shows) links to, shipped
// under examples/ (js-examples/X becomes examples/X, with the JavaScript of
// a TypeScript file beside it). The package has no public repository URL,
// so the guide links only to these and to absolute URLs
// (tests/package/package.test.mjs checks it).
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { exampleFiles, javaScriptFiles, javaScriptName } from './examples.mjs';

/**
 * The js-examples/ entries (files or folders) the tarball ships as
 * examples/. Their TypeScript files go with the JavaScript they strip to
 * beside them (scripts/examples.mjs), for either kind of project.
 */
const SHIPPED_SOURCES = [
  'node-http-receiver.mjs',
  'express-receiver.mjs',
  'fastify-receiver.mts',
  'koa-receiver.mts',
  'hono',
  'nextjs',
  'cloudflare-worker',
  'sender.mjs',
  'scenarios',
];

/** What examples/ holds at its top: the shipped entries and, beside a TypeScript file, its JavaScript. */
export const SHIPPED_EXAMPLES = SHIPPED_SOURCES.flatMap((entry) => [entry, javaScriptName(entry)].filter((name) => name !== undefined));

const ROOT = new URL('../', import.meta.url);

/** Writes pkg/examples/: the shipped sources, and the JavaScript of their TypeScript files beside them. */
export function copyShippedExamples() {
  const examples = new URL('pkg/examples/', ROOT);
  rmSync(examples, { recursive: true, force: true });
  const files = SHIPPED_SOURCES.flatMap((entry) => {
    if (!existsSync(new URL(`js-examples/${entry}`, ROOT))) throw new Error(`js-examples/${entry} is listed in SHIPPED_SOURCES but does not exist`);
    return exampleFiles(entry); // without build output or installed dependencies
  });
  for (const file of files) {
    mkdirSync(new URL('.', new URL(file, examples)), { recursive: true });
    copyFileSync(new URL(`js-examples/${file}`, ROOT), new URL(file, examples));
  }
  for (const [file, { text }] of javaScriptFiles(files)) writeFileSync(new URL(file, examples), text);
}
