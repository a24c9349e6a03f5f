// `secret`: a new webhook secret.
import { generateSecret } from '../../dist/node.js';
import { EXIT, exitCodesHelp, TOOL } from '../cli.js';

export const secret = {
  help: `Usage: ${TOOL} secret

Prints a new webhook secret: 64 hex characters from the platform's CSPRNG.
Give the same secret to Promptfoo and to your receiver.

${exitCodesHelp({
  0: 'the secret was printed',
  2: 'usage error: an option or an argument (secret takes none)',
})}
`,
  options: {},
  positionals: [0, 0],
  run() {
    console.log(generateSecret());
    return EXIT.ok;
  },
};
