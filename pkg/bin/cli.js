// What every command of the promptfoo-webhooks tool shares: its name, exit
// codes, help fragments, and how arguments become values (secrets,
// numbers, URLs, bodies). A mistake in how the tool was called is a
// UsageError: printed with the command's usage, exit 2.
import { readFileSync } from 'node:fs';

export const TOOL = 'promptfoo-webhooks';
export const SECRET_ENV = 'PROMPTFOO_WEBHOOK_SECRET';
export const EXIT = { ok: 0, rejected: 1, usage: 2 };
const MIN_REDACTED_LENGTH = 8;

const HELP_WIDTH = 80;

/** The tool's exit codes in general, for its own --help; each command's --help says what they mean for it. */
export const EXIT_CODES_HELP = exitCodesHelp({
  0: 'success: the signature is valid, the delivery got a 2xx answer',
  1: 'rejected: invalid signature or payload, a non-2xx answer, a network error',
  2: 'usage error: unknown option, missing argument, invalid secret or option value',
});

/** A command's "Exit codes:" section from what each code means for it (a code it never exits with is left out). */
export function exitCodesHelp(meanings) {
  const lines = ['Exit codes:'];
  for (const [code, meaning] of Object.entries(meanings)) {
    let line = `  ${code} `;
    for (const word of meaning.split(' ')) {
      if (line.length + 1 + word.length > HELP_WIDTH && line.trim() !== String(code)) {
        lines.push(line);
        line = '    ';
      }
      line += ` ${word}`;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

export const SECRET_HELP = `The secret comes from --secret or, when that is absent, from the
${SECRET_ENV} environment variable (several, comma-separated, newest first,
during a rotation). Prefer the variable: command-line arguments are visible
to other users of the machine. The secret is never printed.`;

/** Errors that mean the caller gave a bad secret or option, not that a delivery was bad. */
export const USAGE_CODES = new Set(['invalid_secret', 'invalid_options', 'api_not_configured', 'invalid_webhook_config']);

/** A mistake in how the tool was called: printed with the command's usage, exit 2. */
export class UsageError extends Error {}

/**
 * The secrets from --secret (one or several) or, failing that, the
 * environment (comma-separated). None is a usage error, unless `optional`
 * (then undefined).
 */
export function secretsFrom(values, { optional = false } = {}) {
  const given = values.secret === undefined ? [] : [values.secret].flat();
  if (given.length > 0) return given;
  const fromEnv = (process.env[SECRET_ENV] ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
  if (fromEnv.length > 0) return fromEnv;
  if (optional) return undefined;
  throw new UsageError(`no secret: pass --secret <secret> or set ${SECRET_ENV}`);
}

export function numberOption(name, text) {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`${name} must be a non-negative number`);
  }
  return value;
}

/** A whole number of at least 1 (a count, a delay in milliseconds). */
export function wholeNumberOption(name, text) {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${name} must be a whole number of at least 1`);
  }
  return value;
}

export function httpUrl(text, what = 'URL') {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a ${what}: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`not an http(s) ${what}: ${text}`);
  return url.href;
}

export function readFile(path) {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error.code ?? error.message}`);
  }
}

/** The body's exact bytes: the file, or standard input for no file or '-'. */
export async function readBody(file) {
  if (file !== undefined && file !== '-') return readFile(file);
  if (process.stdin.isTTY) throw new UsageError('no body: give a file or pipe the body to standard input');
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Replaces every secret and token the caller gave (after --secret or
 * --api-token, or in the environment) with `***`, so no message this tool
 * prints can echo one.
 */
export function redact(text, argv) {
  const secrets = [...(process.env[SECRET_ENV] ?? '').split(','), process.env.PROMPTFOO_API_TOKEN];
  argv.forEach((arg, i) => {
    for (const flag of ['--secret', '--api-token', '--webhook-secret']) {
      if (arg === flag) secrets.push(argv[i + 1]);
      else if (arg.startsWith(`${flag}=`)) secrets.push(arg.slice(flag.length + 1));
    }
    // --webhook-secret id=secret: the secret part too, on its own.
    const given = arg === '--webhook-secret' ? argv[i + 1] : arg.startsWith('--webhook-secret=') ? arg.slice('--webhook-secret='.length) : undefined;
    if (given?.includes('=')) secrets.push(given.slice(given.indexOf('=') + 1));
  });
  let out = String(text);
  // Shorter strings are no real secret (the library refuses them) and would mangle words.
  for (const secret of secrets) if (secret && secret.trim().length >= MIN_REDACTED_LENGTH) out = out.split(secret.trim()).join('***');
  return out;
}
