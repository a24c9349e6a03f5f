// The package's README and examples: the repository's README, with its
// links made to work from the npm tarball. The runnable examples it links
// to are shipped under examples/ (js-examples/X becomes examples/X); a
// link to anything else in the repository keeps its text and loses the
// link, and a relative image is left out. The package has no public
// repository URL to point at yet: set `repository` in pkg/package.json and
// npm resolves relative links against it instead.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The js-examples/ entries (files or folders) the tarball ships as examples/. */
export const SHIPPED_EXAMPLES = [
  'node-http-receiver.mjs',
  'express-receiver.mjs',
  'fastify-receiver.mjs',
  'koa-receiver.mjs',
  'hono',
  'nextjs',
  'cloudflare-worker',
  'sender.mjs',
  'scenarios',
];

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

/** Writes pkg/README.md and pkg/examples/. */
export function writePackageDocs() {
  const examples = new URL('pkg/examples/', ROOT);
  rmSync(examples, { recursive: true, force: true });
  for (const entry of SHIPPED_EXAMPLES) {
    const from = new URL(`js-examples/${entry}`, ROOT);
    if (!existsSync(from)) throw new Error(`js-examples/${entry} is listed in SHIPPED_EXAMPLES but does not exist`);
    // Not build output (the Next.js suite builds js-examples/nextjs/.next).
    cpSync(from, new URL(entry, examples), { recursive: true, filter: (path) => !/[/\\](\.next|node_modules)$/.test(path) });
  }
  writeFileSync(new URL('pkg/README.md', ROOT), npmReadme(readFileSync(new URL('README.md', ROOT), 'utf8')));
}
