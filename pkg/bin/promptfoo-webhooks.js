#!/usr/bin/env node
// promptfoo-webhooks: sign, verify, send and receive Promptfoo Enterprise
// webhooks from a shell, and manage them through Promptfoo's API. Every
// command is a thin layer over the package's API, one file each in
// commands/; cli.js holds what they share. This file is the entry point:
// it finds the command, parses its arguments and prints its errors.
//
// Exit codes: 0 success, 1 rejected (bad signature or payload, a non-2xx
// answer, a network error), 2 usage error (unknown option, missing argument,
// invalid secret or option value).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PromptfooApiError, WebhookVerificationError } from '../dist/node.js';
import { EXIT, EXIT_CODES_HELP, redact, SECRET_HELP, TOOL, UsageError, USAGE_CODES } from './cli.js';
import { inbox } from './commands/inbox.js';
import { sample } from './commands/sample.js';
import { secret } from './commands/secret.js';
import { send } from './commands/send.js';
import { serve } from './commands/serve.js';
import { sign } from './commands/sign.js';
import { verify } from './commands/verify.js';
import { webhooks } from './commands/webhooks.js';

const COMMANDS = { secret, sign, verify, send, serve, sample, webhooks, inbox };

const TOOL_HELP = `Usage: ${TOOL} <command> [options]

Sign, verify, send and receive Promptfoo Enterprise webhooks.

Commands:
  secret            print a new webhook secret (64 hex characters)
  sign [file]       print the X-Promptfoo-Signature of a body (a file, or stdin)
  verify [file]     check a delivery's signature and payload
  send <url>        POST a signed sample event (or your own payload) to a receiver
  serve             run a local receiver that verifies and prints what arrives
  sample <event>    print a realistic payload of an event
  webhooks ...      create webhooks, rotate their secrets, list event types
                    (Promptfoo's management API)
  inbox ...         the durable inbox of serve --inbox: counts, entries, retry
                    or purge dead ones

Run '${TOOL} <command> --help' for a command's options.

${SECRET_HELP}

${EXIT_CODES_HELP}
`;

/** The first line of a help text: `Usage: ...`. */
function usageLine(help) {
  return help.slice(0, help.indexOf('\n'));
}

/** The command `args` name, going down through command groups: { command, label, rest } or an error text. */
function findCommand(args) {
  let table = COMMANDS;
  let label = '';
  let rest = args;
  for (;;) {
    const [name, ...tail] = rest;
    const command = Object.hasOwn(table, name ?? '') ? table[name] : undefined;
    if (command === undefined) return { unknown: name, label };
    label = label === '' ? name : `${label} ${name}`;
    rest = tail;
    if (command.subcommands === undefined) return { command, label, rest };
    if (rest.length === 0 || rest[0] === '--help' || rest[0] === '-h') return { group: command, label };
    table = command.subcommands;
  }
}

async function main(argv) {
  const [first] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(TOOL_HELP);
    return EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    console.log(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (found.group !== undefined) {
    process.stdout.write(found.group.help);
    return argv.length > 1 ? EXIT.ok : EXIT.usage;
  }
  if (found.command === undefined) {
    const where = found.label === '' ? TOOL : `${TOOL} ${found.label}`;
    const help = found.label === '' ? TOOL_HELP : COMMANDS[found.label].help;
    console.error(found.unknown === undefined ? 'missing command' : `unknown command '${found.label === '' ? '' : `${found.label} `}${found.unknown}'`);
    console.error(`\n${usageLine(help)}\nRun '${where} --help' for the commands.`);
    return EXIT.usage;
  }
  const { command, label, rest } = found;

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
    if (error instanceof WebhookVerificationError || error instanceof PromptfooApiError) {
      // A configuration's problems, one per line, rather than the message that joins them.
      const said = error.problems ? `${error.problems.length} problem(s); nothing was sent` : error.message;
      console.error(redact(`${error.code}: ${said}`, argv));
      for (const problem of error.problems ?? []) console.error(redact(`  ${problem.path}: ${problem.message}`, argv));
      if (error.hint) console.error(redact(`hint: ${error.hint}`, argv));
      // A bad secret, option or configuration: how the tool was called. Any other code: the data or the server.
      if (!USAGE_CODES.has(error.code)) return EXIT.rejected;
    } else if (error instanceof UsageError || String(error.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(redact(error.message, argv));
    } else {
      throw error;
    }
    console.error(`\n${usageLine(command.help)}\nRun '${TOOL} ${label} --help' for details.`);
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
