// The package's README and examples: the repository's README, with its
// links made to work from the npm tarball. The runnable examples it links
// to are shipped under examples/ (js-examples/X becomes examples/X, with
// the JavaScript of a TypeScript file beside it); a
// link to anything else in the repository keeps its text and loses the
// link, and a relative image is left out. The package has no public
// repository URL to point at yet: set `repository` in pkg/package.json and
// npm resolves relative links against it instead.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Whether a repository-relative path lies in a shipped example. */
function shippedTarget(target) {
  const match = target.match(/^js-examples\/([^#?]+)/);
  if (!match) return undefined;
  const rest = match[1];
  return SHIPPED_EXAMPLES.some((entry) => rest === entry || rest.startsWith(`${entry}/`)) ? `examples/${rest}` : undefined;
}

/** README text for npm: links into shipped examples rewritten, other relative links and images dropped. */
export function npmReadme(text) {
  return text
    .replace(/^!\[[^\]]*\]\((?![a-z]+:)[^)]*\)\n?/gm, '')
    .replace(/\[([^\]]+)\]\(((?![a-z]+:|#)[^)]+)\)/g, (link, label, target) => {
      const shipped = shippedTarget(target);
      return shipped === undefined ? label : `[${label}](${shipped})`;
    });
}

/** Writes pkg/README.md and pkg/examples/: the shipped sources, and the JavaScript of their TypeScript files beside them. */
export function writePackageDocs() {
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
  writeFileSync(new URL('pkg/README.md', ROOT), npmReadme(readFileSync(new URL('README.md', ROOT), 'utf8')));
}
