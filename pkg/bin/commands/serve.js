// `serve`: a local receiver, the package's Node middleware, printing what
// arrives and what it answered.
import { createServer } from 'node:http';
import { createNodeMiddleware, DEFAULT_MAX_BODY_BYTES } from '../../dist/node.js';
import { EXIT, exitCodesHelp, httpUrl, numberOption, SECRET_HELP, secretsFrom, TOOL, UsageError, wholeNumberOption } from '../cli.js';
import { watchEntries } from '../inbox-watch.js';
import { createInspector } from '../inspector/server.js';
import { openInbox, shownInbox, unreachable } from './inbox.js';

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

With --webhook-secret, deliveries are verified with the secrets of the
webhook their X-Webhook-Id header names (several webhooks, one endpoint); an
id without secrets is a 401 unknown_webhook, and a delivery without the
header uses --secret (optional then).

With --forward-to, each delivery that verifies is sent on to <url> with its
exact bytes and headers (the X-Promptfoo-Signature included), and the sender
gets the target's status and body; one that does not verify is answered
here and never sent on. A target that does not answer within 10 s is a 502.

With --inbox, each delivery that verifies is recorded in a durable inbox
and answered 200 at once (503 inbox_unavailable when it cannot be
recorded; a repeat is the same entry, answered {"duplicate": true}). A
worker in serve then runs each entry: prints its event and, with
--forward-to, sends it on with its exact bytes and signature, trying again
with a growing delay until the target answers 2xx, --max-attempts times at
most; then the entry is dead ('${TOOL} inbox retry' runs it again). What
became of each entry (done, dead) is printed as it happens.

Options:
  --secret <secret>         a webhook secret; repeat it during a rotation
  --webhook-secret <id>=<secret>
                            the secret of webhook <id> (X-Webhook-Id); repeat it, for
                            several webhooks or several secrets of one
  --port <port>             default 8787; 0 picks a free port
  --host <address>          default 127.0.0.1 (this machine only)
  --tolerance <seconds>     reject payloads whose timestamp is further than this from now
  --max-body-bytes <bytes>  default ${DEFAULT_MAX_BODY_BYTES} (5 MiB)
  --forward-to <url>        send each verified delivery on to this receiver
  --inbox <inbox>           record verified deliveries in this inbox and answer 200, then
                            run them with retries: a SQLite file's path (Node 22.13 or
                            later) or redis://host:port[/db] (npm install redis)
  --max-attempts <N>        with --inbox: attempts per entry before it is dead; default 8
  --retry-base-ms <ms>      with --inbox: the delay before the second attempt, doubled for
                            each next one (with jitter, up to 15 min); default 1000
  --json                    one JSON object per delivery on stdout: time, event,
                            verdict, status, code, secretIndex, size, forwardStatus,
                            entryId (with --inbox; forwardStatus is then null)
  --ui                      the inspector page on the same port: deliveries live,
                            replay to the forward target, copy as curl, compose; open
                            the URL serve prints (it carries this run's token)
  --ui-allow-remote         let other machines use the inspector (with the token, by any
                            Host name); without it, only this machine's own addresses

${SECRET_HELP}

${exitCodesHelp({
  0: 'stopped by Ctrl-C (or SIGTERM)',
  1: 'it could not listen on --host and --port (in use, not an address of this machine), or could not reach the --inbox',
  2: 'usage error: no secret or an invalid one, an unknown option or invalid value, an option that needs another (--ui-allow-remote without --ui, --max-attempts without --inbox)',
})}
`,
  options: {
    secret: { type: 'string', multiple: true },
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    tolerance: { type: 'string' },
    'max-body-bytes': { type: 'string' },
    'forward-to': { type: 'string' },
    json: { type: 'boolean' },
    'webhook-secret': { type: 'string', multiple: true },
    ui: { type: 'boolean' },
    'ui-allow-remote': { type: 'boolean' },
    inbox: { type: 'string' },
    'max-attempts': { type: 'string' },
    'retry-base-ms': { type: 'string' },
  },
  positionals: [0, 0],
  async run(values) {
    const webhookSecrets = webhookSecretsFrom(values['webhook-secret']);
    // With secrets per webhook, the plain ones serve deliveries without X-Webhook-Id, and may be absent.
    const secrets = secretsFrom(values, { optional: webhookSecrets !== undefined });
    const port = numberOption('--port', values.port);
    if (!Number.isInteger(port) || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535`);
    const toleranceSeconds = values.tolerance === undefined ? undefined : numberOption('--tolerance', values.tolerance);
    const maxBodyBytes =
      values['max-body-bytes'] === undefined ? DEFAULT_MAX_BODY_BYTES : numberOption('--max-body-bytes', values['max-body-bytes']);
    const forwardTo = values['forward-to'] === undefined ? undefined : httpUrl(values['forward-to'], '--forward-to URL');
    const allowRemote = values['ui-allow-remote'] === true;
    if (allowRemote && values.ui !== true) throw new UsageError('--ui-allow-remote needs --ui');
    const policy = inboxPolicyFrom(values);
    const options = { secrets, webhookSecrets, host: values.host, port, toleranceSeconds, maxBodyBytes, forwardTo, json: values.json === true, ui: values.ui === true, allowRemote };
    if (values.inbox === undefined) return listen(options);
    // Opened last: a mistake in another option leaves no new file behind.
    const opened = await openInbox(values.inbox, { policy }).catch(unreachable);
    if (opened === undefined) return EXIT.rejected;
    try {
      return await listen({ ...options, inbox: opened.inbox, inboxName: shownInbox(values.inbox) });
    } finally {
      await opened.close();
    }
  },
};

/** --max-attempts and --retry-base-ms as an inbox policy; they need --inbox. */
function inboxPolicyFrom(values) {
  const policy = {};
  for (const [flag, name] of [['max-attempts', 'maxAttempts'], ['retry-base-ms', 'retryBaseMs']]) {
    if (values[flag] === undefined) continue;
    if (values.inbox === undefined) throw new UsageError(`--${flag} needs --inbox`);
    policy[name] = wholeNumberOption(`--${flag}`, values[flag]);
  }
  return policy;
}

async function listen({ secrets, webhookSecrets, host, port, toleranceSeconds, maxBodyBytes, forwardTo, json, ui, allowRemote, inbox, inboxName }) {
  // With --json, stdout carries only the deliveries; the rest goes to stderr.
  const say = json ? (line) => console.error(line) : (line) => console.log(line);
  // What became of the entries this run recorded: printed, and shown by the inspector.
  const watch =
    inbox === undefined
      ? undefined
      : watchEntries(inbox, (id, info, before) => {
          inspector?.entryChanged(id, info);
          const outcome = entryOutcome(id, info, before, inboxName);
          if (outcome !== undefined) say(`${clock()} ${outcome}`);
        });
  const inspector = ui ? createInspector({ secrets, forwardTo, allowRemote, entryState: watch?.stateOf }) : undefined;
  const counts = { accepted: 0, rejected: 0 };
  const onAnswer = answerPrinter({ counts, json, inbox, watch, inspector });
  const withInbox = inbox === undefined ? {} : { inbox, onEvent: attemptPrinter(forwardTo, say) };
  // Created before listening: a bad secret or option is a usage error now.
  let middleware;
  try {
    middleware = createNodeMiddleware(secrets, { toleranceSeconds, maxBodyBytes, onAnswer, forwardTo, webhookSecrets, logger: false, ...withInbox });
  } catch (error) {
    watch?.stop();
    throw error;
  }
  // The inspector takes GET / and its own endpoints; every other request is a delivery.
  const server = createServer((req, res) => inspector?.handle(req, res) || middleware(req, res));
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (error) {
    console.error(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`);
    watch?.stop();
    return EXIT.rejected;
  }
  announce(server.address(), { say, forwardTo, inbox, inboxName, inspector });
  return untilStopped(server, { watch, inspector, say, counts });
}

/** The time of day serve prints before each line. */
const clock = () => new Date().toISOString().slice(11, 19);

/**
 * The middleware's onAnswer: counts each answer, hands it to the inbox
 * watch and the inspector, and prints it (one JSON object with --json).
 */
function answerPrinter({ counts, json, inbox, watch, inspector }) {
  return (answer) => {
    const { status, body, event, error, size, forwarded, entry } = answer;
    if (event !== undefined) counts.accepted++;
    else counts.rejected++;
    if (entry !== undefined) watch?.add(entry.id, entry.duplicate);
    inspector?.record(answer);
    // Verified, but the inbox could not record it (503 inbox_unavailable): nothing will run it.
    const notRecorded = inbox !== undefined && event !== undefined && entry === undefined;
    if (json) console.log(JSON.stringify(deliveryRecord({ status, body, event, error, size, forwarded, entry, notRecorded })));
    else for (const line of answerLines(answer, notRecorded)) console.log(line);
  };
}

/** The lines serve prints for an answer (without --json). */
function answerLines({ status, body, event, error, forwarded, entry }, notRecorded) {
  const head = event === undefined ? '' : `${clock()} ${status} ${event.event} at ${event.timestamp} (secret #${event.secretIndex})`;
  if (notRecorded) return [`${head}: not recorded (${body.error}): ${error?.message ?? body.message}`];
  // Its event is printed when the worker runs it.
  if (entry !== undefined) return [`${head}: ${entry.duplicate ? 'a repeat of' : 'recorded as'} entry ${entry.id}`];
  if (event !== undefined) {
    const lines = [head, ...describe(event).map((line) => `         ${line}`)];
    if (forwarded?.status !== undefined) lines.push(`         forwarded to ${forwarded.url}: ${forwarded.status}`);
    if (forwarded?.failure !== undefined) lines.push(`         not forwarded: ${forwarded.failure}`);
    return lines;
  }
  const lines = [`${clock()} ${status} rejected ${body.error}: ${body.message}`];
  if (error?.hint) lines.push(`         hint: ${error.hint}`);
  return lines;
}

/** The inbox's onEvent: the worker runs each entry here (then forwards it, with --forward-to); says so, once per attempt. */
function attemptPrinter(forwardTo, say) {
  return (event, { attempt, entryId }) => {
    const lines = [`${clock()} entry ${entryId}, attempt ${attempt}: ${forwardTo === undefined ? '' : 'forwarding '}${event.event} at ${event.timestamp}`];
    if (forwardTo === undefined) lines.push(...describe(event).map((line) => `         ${line}`));
    // Printed after the answer's line (the worker may start before onAnswer is told); the attempt goes on meanwhile.
    setImmediate(() => lines.forEach((line) => say(line)));
  };
}

/** Says where serve listens (and the inspector's URL, which it tells the inspector too). */
function announce(address, { say, forwardTo, inbox, inboxName, inspector }) {
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  say(`Listening on http://${shownHost}:${address.port}/${forwardTo === undefined ? '' : `, forwarding verified deliveries to ${forwardTo}`} (Ctrl-C to stop)`);
  if (inbox !== undefined) say(`Inbox: ${inboxName} (verified deliveries are recorded there, then run from it)`);
  if (inspector === undefined) return;
  // A wildcard address is reached as 127.0.0.1 or localhost from this machine.
  const local = ['0.0.0.0', '::'].includes(address.address) ? '127.0.0.1' : shownHost;
  const hosts = [`${local}:${address.port}`, ...(['127.0.0.1', '[::1]'].includes(local) ? [`localhost:${address.port}`] : [])];
  inspector.listening(`http://${local}:${address.port}`, hosts);
  // The one place the token is shown: whoever has this URL can use the inspector.
  say(`Inspector: http://${local}:${address.port}/?token=${inspector.token}`);
}

/** Resolves with the exit code once Ctrl-C (or SIGTERM) has closed the server. */
function untilStopped(server, { watch, inspector, say, counts }) {
  return new Promise((resolve) => {
    const stop = () => {
      watch?.stop();
      inspector?.close();
      server.close(() => {
        say(`\nStopped: ${counts.accepted} accepted, ${counts.rejected} rejected`);
        resolve(EXIT.ok);
      });
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `--webhook-secret id=secret` values as { id: [secrets] }, or undefined when none was given. */
function webhookSecretsFrom(values) {
  if (values === undefined) return undefined;
  const byId = {};
  for (const value of values) {
    const equals = value.indexOf('=');
    if (equals <= 0 || equals === value.length - 1) throw new UsageError('--webhook-secret wants <id>=<secret>');
    const id = value.slice(0, equals);
    (byId[id] ??= []).push(value.slice(equals + 1));
  }
  return byId;
}

/** The line serve prints when an entry's state changed, or undefined (attempts: said as they start). */
function entryOutcome(id, { state, attempts, lastError }, before, inboxName) {
  if (state === before.state) return undefined;
  if (state === 'done') return `entry ${id} done${attempts > 1 ? ` after ${attempts} attempts` : ''}`;
  if (state === 'dead') {
    return `entry ${id} is dead after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastError ?? 'no error kept'}\n         ${TOOL} inbox retry ${id} --inbox ${inboxName} runs it again`;
  }
  if (state === 'pending' && before.state === 'dead') return `entry ${id} is pending again`;
  if (state === 'purged') return `entry ${id} was deleted`;
  return undefined;
}

/** One delivery as `serve --json` prints it. */
function deliveryRecord({ status, body, event, error, size, forwarded, entry, notRecorded }) {
  return {
    time: new Date().toISOString(),
    event: event?.event ?? null,
    verdict: event !== undefined ? 'accepted' : 'rejected',
    status,
    code: notRecorded ? body.error : event !== undefined ? null : (error?.code ?? body?.error ?? null),
    secretIndex: event?.secretIndex ?? null,
    size: size ?? null,
    forwardStatus: forwarded?.status ?? (forwarded?.failure !== undefined ? 'failed' : null),
    entryId: entry?.id ?? null,
  };
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
