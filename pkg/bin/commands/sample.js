// `sample`: a realistic payload of one event, on stdout and nothing else,
// to read, edit and send with `send --file` (or edit in place with --set).
import { EVENT_NAMES } from '../../dist/node.js';
import { EXIT, exitCodesHelp, TOOL } from '../cli.js';
import { PAYLOAD_HELP, PAYLOAD_OPTIONS, payloadFrom } from '../payload.js';

export const sample = {
  help: `Usage: ${TOOL} sample <event> [--set <path>=<value> ...] [--timestamp <when>] [--compact]

Prints a realistic payload of <event> (the samples the package's tests and
demo share) on standard output: pretty-printed, or with --compact exactly
as Promptfoo serializes it. Events:
  ${EVENT_NAMES.join(', ')}

Options:
${PAYLOAD_HELP}
  --compact             one line, as JSON.stringify writes it (the signed form)

${exitCodesHelp({
  0: 'the payload was printed',
  2: 'usage error: an unknown event or option, a --set or --timestamp that cannot apply, a missing or extra argument',
})}
`,
  options: { set: PAYLOAD_OPTIONS.set, timestamp: PAYLOAD_OPTIONS.timestamp, compact: { type: 'boolean' } },
  positionals: [1, 1],
  run(values, [event]) {
    const payload = payloadFrom(values, event);
    console.log(values.compact ? JSON.stringify(payload) : JSON.stringify(payload, null, 2));
    return EXIT.ok;
  },
};
