#!/usr/bin/env node
// promptfoo-webhooks: sign, verify, send and receive Promptfoo Enterprise
// webhooks from a shell. Every command is a thin layer over the package's
// API; the layout of this file, top to bottom: help texts, the commands,
// argument handling, and the entry point.
//
// Exit codes: 0 success, 1 rejected (bad signature or payload, a non-2xx
// answer, a network error), 2 usage error (unknown option, missing argument,
// invalid secret or option value).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import {
  canonicalize,
  createNodeMiddleware,
  DEFAULT_MAX_BODY_BYTES,
  DELIVERY_TIMEOUT_SECONDS,
  EVENT_NAMES,
  generateSecret,
  sampleEvent,
  sign,
  signPayload,
  verify,
  WebhookVerificationError,
} from '../dist/node.js';

const TOOL = 'promptfoo-webhooks';
const SECRET_ENV = 'PROMPTFOO_WEBHOOK_SECRET';
const EXIT = { ok: 0, rejected: 1, usage: 2 };
const MIN_REDACTED_LENGTH = 8;
/** Errors that mean the caller gave a bad secret or option, not that a delivery was bad. */
const USAGE_CODES = new Set(['invalid_secret', 'invalid_options']);

// ---------------------------------------------------------------- help

const EXIT_CODES_HELP = `Exit codes:
  0  success: the signature is valid, the delivery got a 2xx answer
  1  rejected: invalid signature or payload, a non-2xx answer, a network error
  2  usage error: unknown option, missing argument, invalid secret or option value`;

const SECRET_HELP = `The secret comes from --secret or, when that is absent, from the
${SECRET_ENV} environment variable. Prefer the variable: command-line
arguments are visible to other users of the machine. The secret is never printed.`;

const TOOL_HELP = `Usage: ${TOOL} <command> [options]

Sign, verify, send and receive Promptfoo Enterprise webhooks.

Commands:
  secret          print a new webhook secret (64 hex characters)
  sign [file]     print the X-Promptfoo-Signature of a body (a file, or stdin)
  verify [file]   check a delivery's signature and payload
  send <url>      POST a signed sample event (or your own payload) to a receiver
  serve           run a local receiver that verifies and prints what arrives

Run '${TOOL} <command> --help' for a command's options.

${SECRET_HELP}

${EXIT_CODES_HELP}
`;

// ---------------------------------------------------------------- commands
// Each command: its help text, its parseArgs options, the number of
// positionals it takes, and `run(values, positionals)` resolving to an exit code.

const secretOption = { secret: { type: 'string' } };

const COMMANDS = {
  secret: {
    help: `Usage: ${TOOL} secret

Prints a new webhook secret: 64 hex characters from the platform's CSPRNG.
Give the same secret to Promptfoo and to your receiver.

${EXIT_CODES_HELP}
`,
    options: {},
    positionals: [0, 0],
    run() {
      console.log(generateSecret());
      return EXIT.ok;
    },
  },

  sign: {
    help: `Usage: ${TOOL} sign --secret <secret> [file]

Prints the lower-case hex HMAC-SHA256 of the body: the value Promptfoo sends
in the X-Promptfoo-Signature header. The body is the file's exact bytes, or
standard input when no file (or '-') is given.

Options:
  --secret <secret>   the webhook secret

${SECRET_HELP}

${EXIT_CODES_HELP}
`,
    options: { ...secretOption },
    positionals: [0, 1],
    async run(values, [file]) {
      const [secret] = secretsFrom(values);
      const body = await readBody(file);
      console.log(sign(body, secret));
      return EXIT.ok;
    },
  },

  verify: {
    help: `Usage: ${TOOL} verify --secret <secret> [--secret <old>] --signature <hex> [options] [file]

Checks a delivery as a receiver would: the signature over the body's exact
bytes (the file, or standard input when no file or '-' is given), then the
payload. On success prints the event name and which secret matched (0 is the
first --secret); when rejected prints the error code, message and a hint on
standard error.

Options:
  --secret <secret>       a webhook secret; repeat it during a rotation (any may match)
  --signature <hex>       the X-Promptfoo-Signature header value
  --tolerance <seconds>   reject a payload whose timestamp is further than this from now
  --json                  print the verified event as JSON instead

${SECRET_HELP}

${EXIT_CODES_HELP}
`,
    options: {
      secret: { type: 'string', multiple: true },
      signature: { type: 'string' },
      tolerance: { type: 'string' },
      json: { type: 'boolean' },
    },
    positionals: [0, 1],
    async run(values, [file]) {
      const secrets = secretsFrom(values);
      if (values.signature === undefined) throw new UsageError('missing --signature <hex>');
      const toleranceSeconds = values.tolerance === undefined ? undefined : numberOption('--tolerance', values.tolerance);
      const body = await readBody(file);
      let event;
      try {
        event = verify(body, values.signature, secrets, { toleranceSeconds });
      } catch (error) {
        if (!(error instanceof WebhookVerificationError) || USAGE_CODES.has(error.code)) throw error;
        console.error(`rejected: ${error.code}: ${error.message}`);
        if (error.hint) console.error(`hint: ${error.hint}`);
        return EXIT.rejected;
      }
      console.log(values.json ? JSON.stringify(event) : `valid: ${event.event} (secret #${event.secretIndex})`);
      return EXIT.ok;
    },
  },

  send: {
    help: `Usage: ${TOOL} send <url> --secret <secret> [--event <name> | --file <payload.json>]

Builds a sample event (issue.created unless --event says otherwise), or reads
your payload from a file, serializes it exactly as Promptfoo does
(JSON.stringify), signs it and POSTs it to <url>. Prints the answer's status
and body.

Options:
  --secret <secret>   the webhook secret
  --event <name>      the sample to send, one of:
                      ${EVENT_NAMES.join(', ')}
  --file <path>       send this JSON payload instead of a sample

${SECRET_HELP}

${EXIT_CODES_HELP}
`,
    options: { ...secretOption, event: { type: 'string' }, file: { type: 'string' } },
    positionals: [1, 1],
    async run(values, [url]) {
      const [secret] = secretsFrom(values);
      const target = httpUrl(url);
      if (values.event !== undefined && values.file !== undefined) throw new UsageError('give --event or --file, not both');
      const payload = values.file === undefined ? sample(values.event ?? 'issue.created') : canonicalize(readFile(values.file));
      const { body, headers } = signPayload(payload, secret);
      const name = JSON.parse(body).event;

      let response;
      try {
        // As Promptfoo does: it waits DELIVERY_TIMEOUT_SECONDS for an answer and follows no redirect.
        response = await fetch(target, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(DELIVERY_TIMEOUT_SECONDS * 1000) });
      } catch (error) {
        console.error(`${name} -> ${target}: ${error.cause?.code ?? error.cause?.message ?? error.message}`);
        return EXIT.rejected;
      }
      const answer = await response.text();
      console.log(`${name} -> ${target}: ${response.status} ${response.statusText}`);
      if (answer) console.log(answer.length > 500 ? `${answer.slice(0, 500)}…` : answer);
      return response.ok ? EXIT.ok : EXIT.rejected;
    },
  },

  serve: {
    help: `Usage: ${TOOL} serve --secret <secret> [--port 8787] [--host 127.0.0.1] [options]

A local receiver for trying an integration before Promptfoo is pointed at
it: the package's Node middleware, so it answers exactly as your receiver
will. Every delivery is verified, then printed (event, timestamp, issue or
job, changes). Answers 200 {"received": <event>} for a valid delivery, 401
for a missing, malformed or wrong signature, 413 for a body over the limit,
415 for a Content-Type other than JSON, 405 for a method other than POST,
400 for an authentic body that is not a valid payload (or outside
--tolerance). Ctrl-C stops it.

Options:
  --secret <secret>         a webhook secret; repeat it during a rotation
  --port <port>             default 8787; 0 picks a free port
  --host <address>          default 127.0.0.1 (this machine only)
  --tolerance <seconds>     reject payloads whose timestamp is further than this from now
  --max-body-bytes <bytes>  default ${DEFAULT_MAX_BODY_BYTES} (5 MiB)

${SECRET_HELP}

${EXIT_CODES_HELP}
`,
    options: {
      secret: { type: 'string', multiple: true },
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      tolerance: { type: 'string' },
      'max-body-bytes': { type: 'string' },
    },
    positionals: [0, 0],
    async run(values) {
      const secrets = secretsFrom(values);
      const port = numberOption('--port', values.port);
      if (!Number.isInteger(port) || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535`);
      const toleranceSeconds = values.tolerance === undefined ? undefined : numberOption('--tolerance', values.tolerance);
      const maxBodyBytes =
        values['max-body-bytes'] === undefined ? DEFAULT_MAX_BODY_BYTES : numberOption('--max-body-bytes', values['max-body-bytes']);
      return serve({ secrets, host: values.host, port, toleranceSeconds, maxBodyBytes });
    },
  },
};

// ---------------------------------------------------------------- serve

async function serve({ secrets, host, port, toleranceSeconds, maxBodyBytes }) {
  const counts = { accepted: 0, rejected: 0 };
  const clock = () => new Date().toISOString().slice(11, 19);
  // The middleware answers; this prints what it answered.
  const onAnswer = ({ status, body, event, error }) => {
    if (event !== undefined) {
      counts.accepted++;
      console.log(`${clock()} ${status} ${event.event} at ${event.timestamp} (secret #${event.secretIndex})`);
      for (const line of describe(event)) console.log(`         ${line}`);
      return;
    }
    counts.rejected++;
    console.log(`${clock()} ${status} rejected ${body.error}: ${body.message}`);
    if (error?.hint) console.log(`         hint: ${error.hint}`);
  };
  // Created before listening: a bad secret or option is a usage error now.
  const middleware = createNodeMiddleware(secrets, { toleranceSeconds, maxBodyBytes, onAnswer, logger: false });
  const server = createServer((req, res) => middleware(req, res));

  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (error) {
    console.error(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`);
    return EXIT.rejected;
  }
  const address = server.address();
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  console.log(`Listening on http://${shownHost}:${address.port}/ (Ctrl-C to stop)`);

  // Resolves with the exit code once Ctrl-C (or SIGTERM) has closed the server.
  return new Promise((resolve) => {
    const stop = () => {
      server.close(() => {
        console.log(`\nStopped: ${counts.accepted} accepted, ${counts.rejected} rejected`);
        resolve(EXIT.ok);
      });
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** The lines `serve` prints under a verified event: what a handler would look at. */
function describe(event) {
  const data = event.data ?? {};
  const lines = [];
  const issue = data.issue;
  if (issue && typeof issue === 'object') {
    const facts = [['severity', issue.severity], ['status', issue.status]].filter(([, value]) => value !== undefined);
    lines.push(`issue ${issue.id}${facts.map(([field, value]) => `, ${field} ${value}`).join('')}`);
  }
  if (typeof data.issueId === 'string') lines.push(`issue ${data.issueId}`);
  if (typeof data.jobId === 'string') lines.push(`job ${data.jobId}${typeof data.evalId === 'string' ? `, eval ${data.evalId}` : ''}`);
  const changes = data.eventData?.changes;
  if (Array.isArray(changes) && changes.length > 0) lines.push(`changes: ${changes.join('; ')}`);
  if (typeof data.userId === 'string') lines.push(`by ${data.userId}`);
  if (lines.length === 0) lines.push(`data: ${JSON.stringify(data).slice(0, 200)}`);
  return lines;
}

// ---------------------------------------------------------------- arguments

/** A mistake in how the tool was called: printed with the command's usage, exit 2. */
class UsageError extends Error {}

/** The secrets from --secret (one or several) or, failing that, the environment. */
function secretsFrom(values) {
  const given = values.secret === undefined ? [] : [values.secret].flat();
  if (given.length > 0) return given;
  const fromEnv = process.env[SECRET_ENV];
  if (fromEnv) return [fromEnv];
  throw new UsageError(`no secret: pass --secret <secret> or set ${SECRET_ENV}`);
}

function numberOption(name, text) {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`${name} must be a non-negative number`);
  }
  return value;
}

function httpUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`not an http(s) URL: ${text}`);
  return url.href;
}

function sample(name) {
  if (!EVENT_NAMES.includes(name)) {
    throw new UsageError(`unknown --event '${name}' (known: ${EVENT_NAMES.join(', ')})`);
  }
  return sampleEvent(name);
}

function readFile(path) {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error.code ?? error.message}`);
  }
}

/** The body's exact bytes: the file, or standard input for no file or '-'. */
async function readBody(file) {
  if (file !== undefined && file !== '-') return readFile(file);
  if (process.stdin.isTTY) throw new UsageError('no body: give a file or pipe the body to standard input');
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The first line of a help text: `Usage: ...`. */
function usageLine(help) {
  return help.slice(0, help.indexOf('\n'));
}

/**
 * Replaces every secret the caller gave (after --secret, or in the
 * environment) with `***`, so no message this tool prints can echo one.
 */
function redact(text, argv) {
  const secrets = [process.env[SECRET_ENV]];
  argv.forEach((arg, i) => {
    if (arg === '--secret') secrets.push(argv[i + 1]);
    else if (arg.startsWith('--secret=')) secrets.push(arg.slice('--secret='.length));
  });
  let out = String(text);
  // Shorter strings are no real secret (the library refuses them) and would mangle words.
  for (const secret of secrets) if (secret && secret.length >= MIN_REDACTED_LENGTH) out = out.split(secret).join('***');
  return out;
}

// ---------------------------------------------------------------- entry point

async function main(argv) {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(TOOL_HELP);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    console.log(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name ?? '') ? COMMANDS[name] : undefined;
  if (command === undefined) {
    console.error(name === undefined ? 'missing command' : `unknown command '${name}'`);
    console.error(`\n${usageLine(TOOL_HELP)}\nRun '${TOOL} --help' for the commands.`);
    return EXIT.usage;
  }

  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(command.help);
      return EXIT.ok;
    }
    const [min, max] = command.positionals;
    if (positionals.length < min) throw new UsageError('missing argument');
    if (positionals.length > max) throw new UsageError(`unexpected argument '${positionals[max]}'`);
    return await command.run(values, positionals);
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      console.error(redact(`${error.code}: ${error.message}${error.hint ? `\nhint: ${error.hint}` : ''}`, argv));
      // invalid_secret, invalid_options: how the tool was called. Any other code: the input data was bad.
      if (!USAGE_CODES.has(error.code)) return EXIT.rejected;
    } else if (error instanceof UsageError || String(error.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(redact(error.message, argv));
    } else {
      throw error;
    }
    console.error(`\n${usageLine(command.help)}\nRun '${TOOL} ${name} --help' for details.`);
    return EXIT.usage;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(redact(`${TOOL}: ${error?.stack ?? error}`, process.argv.slice(2)));
    process.exitCode = 1;
  },
);
