// `serve`: a local receiver, the package's Node middleware, printing what
// arrives and what it answered.
import { createServer } from 'node:http';
import { createNodeMiddleware, DEFAULT_MAX_BODY_BYTES } from '../../dist/node.js';
import { EXIT, EXIT_CODES_HELP, numberOption, SECRET_HELP, secretsFrom, TOOL, UsageError } from '../cli.js';

export const serve = {
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
    return listen({ secrets, host: values.host, port, toleranceSeconds, maxBodyBytes });
  },
};

async function listen({ secrets, host, port, toleranceSeconds, maxBodyBytes }) {
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
