// `sign`: the X-Promptfoo-Signature of a body.
import { sign as signBody } from '../../dist/node.js';
import { EXIT, exitCodesHelp, readBody, SECRET_HELP, secretsFrom, TOOL } from '../cli.js';

export const sign = {
  help: `Usage: ${TOOL} sign --secret <secret> [file]

Prints the lower-case hex HMAC-SHA256 of the body: the value Promptfoo sends
in the X-Promptfoo-Signature header. The body is the file's exact bytes, or
standard input when no file (or '-') is given.

Options:
  --secret <secret>   the webhook secret

${SECRET_HELP}

${exitCodesHelp({
  0: 'the signature was printed',
  2: 'usage error: no secret or an invalid one, a file that cannot be read, an unknown option',
})}
`,
  options: { secret: { type: 'string' } },
  positionals: [0, 1],
  async run(values, [file]) {
    const [secret] = secretsFrom(values);
    const body = await readBody(file);
    console.log(signBody(body, secret));
    return EXIT.ok;
  },
};
