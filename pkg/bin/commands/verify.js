// `verify`: check a delivery as a receiver would.
import { verify as verifyDelivery, WebhookVerificationError } from '../../dist/node.js';
import { EXIT, exitCodesHelp, numberOption, readBody, SECRET_HELP, secretsFrom, TOOL, UsageError, USAGE_CODES } from '../cli.js';

export const verify = {
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

${exitCodesHelp({
  0: 'valid: the signature matches and the payload is a valid event',
  1: 'rejected: a wrong or malformed signature, a body that is not a valid payload, a timestamp outside --tolerance',
  2: 'usage error: no secret or an invalid one, no --signature, a file that cannot be read, an unknown option or invalid value',
})}
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
      event = verifyDelivery(body, values.signature, secrets, { toleranceSeconds });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError) || USAGE_CODES.has(error.code)) throw error;
      console.error(`rejected: ${error.code}: ${error.message}`);
      if (error.hint) console.error(`hint: ${error.hint}`);
      return EXIT.rejected;
    }
    console.log(values.json ? JSON.stringify(event) : `valid: ${event.event} (secret #${event.secretIndex})`);
    return EXIT.ok;
  },
};
