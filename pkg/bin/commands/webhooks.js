// `webhooks create | regenerate-secret | event-types`: Promptfoo's
// management API, through the package's ManagementClient.
import { EVENT_NAMES, ManagementClient, PromptfooApiError } from '../../dist/node.js';
import { EXIT, SECRET_ENV, TOOL, UsageError } from '../cli.js';

const API_HELP = `The server and token come from --api-url and --api-token or, when absent,
from PROMPTFOO_API_URL and PROMPTFOO_API_TOKEN. Prefer the variables:
command-line arguments are visible to other users of the machine. The token
is never printed. The token goes over plain http:// only to a loopback host,
unless --allow-insecure-http says otherwise (it is readable on the way).`;

const WEBHOOKS_EXIT_HELP = `Exit codes:
  0  success
  1  the server refused the request (a rejected token, an unknown id, a server
     error), did not answer in time, or answered something unreadable
  2  usage error: unknown option, missing argument, no server or token, an
     invalid webhook configuration (nothing is sent then)`;

const apiOptions = {
  'api-url': { type: 'string' },
  'api-token': { type: 'string' },
  timeout: { type: 'string' },
  'allow-insecure-http': { type: 'boolean' },
  json: { type: 'boolean' },
};

// The client's words for its options, and the flags a CLI user passes instead (longest first where one holds another).
const FLAG_WORDS = [
  ['Pass { baseUrl, token }', 'Pass --api-url and --api-token'],
  ['the base URL (baseUrl or PROMPTFOO_API_URL)', '--api-url (or PROMPTFOO_API_URL)'],
  ['the API token (token or PROMPTFOO_API_TOKEN)', '--api-token (or PROMPTFOO_API_TOKEN)'],
  ['options.token', '--api-token'],
  ['pass allowInsecureHttp: true', 'pass --allow-insecure-http'],
  ['raise timeoutMs', 'raise --timeout'],
  ['; see error.status and error.serverMessage.', '.'],
  ["the package's EVENT_NAMES lists every event this version knows", `'${TOOL} webhooks create --help' lists every event this version knows`],
  ['The base URL', '--api-url'],
  ['the base URL', '--api-url'],
];

/** `text` in the CLI's words: its flags where the client names its options. */
function inFlagWords(text) {
  return FLAG_WORDS.reduce((said, [api, cli]) => said.replaceAll(api, cli), text);
}

/** Runs `call(client)` with a client from the options or the environment; its errors are said with the CLI's flags. */
async function withClient(values, call) {
  try {
    const client = new ManagementClient({
      baseUrl: values['api-url'],
      token: values['api-token'],
      timeoutMs: values.timeout === undefined ? undefined : timeoutMsFrom(values.timeout),
      allowInsecureHttp: values['allow-insecure-http'] === true,
    });
    return await call(client);
  } catch (error) {
    if (error instanceof PromptfooApiError) {
      error.message = inFlagWords(error.message);
      error.hint = inFlagWords(error.hint);
    } else if (error?.code === 'ERR_INVALID_ARG_TYPE') {
      throw new UsageError(inFlagWords(error.message)); // an option or id the client refused: how the tool was called
    }
    throw error;
  }
}

function timeoutMsFrom(text) {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw new UsageError('--timeout must be a positive number of seconds');
  return seconds * 1000;
}

const create = {
  help: `Usage: ${TOOL} webhooks create --url <url> --name <name> --event <name> [--event <name> ...] [options]

Creates a webhook through Promptfoo's management API (POST /api/v1/webhooks,
or /api/webhooks on an older server) and prints its id and its secret: the
secret is shown this once, so store it where your receiver reads it. The
configuration is checked first: every problem is named and nothing is sent.

Options:
  --url <url>           where Promptfoo delivers (http or https)
  --name <name>         a name for it
  --event <name>        an event to deliver; repeat it. Known events:
                        ${EVENT_NAMES.join(', ')}
  --team <id>           the team it belongs to
  --disabled            create it disabled
  --api-url <url>       your Promptfoo server (default: PROMPTFOO_API_URL)
  --api-token <token>   an API token (default: PROMPTFOO_API_TOKEN)
  --timeout <seconds>   per request; default 10
  --allow-insecure-http send the token over http:// to a host that is not loopback
  --json                print { id, secret, webhook } as JSON

${API_HELP}

${WEBHOOKS_EXIT_HELP}
`,
  options: {
    url: { type: 'string' },
    name: { type: 'string' },
    event: { type: 'string', multiple: true },
    team: { type: 'string' },
    disabled: { type: 'boolean' },
    ...apiOptions,
  },
  positionals: [0, 0],
  async run(values) {
    const config = { url: values.url, name: values.name, events: values.event ?? [], enabled: !values.disabled };
    if (values.team !== undefined) config.teamId = values.team;
    const created = await withClient(values, (client) => client.createWebhook(config));
    if (values.json) {
      console.log(JSON.stringify(created));
      return EXIT.ok;
    }
    console.log(`Created webhook ${created.id ?? '(the server gave no id)'}: ${config.name} -> ${config.url}`);
    console.log(`Events: ${config.events.join(', ')}${config.enabled ? '' : ' (disabled)'}`);
    console.log(`Secret (shown once; your receiver verifies with it):\n${created.secret}`);
    console.log(`\nFor the receiver: ${SECRET_ENV}=<the secret above>`);
    return EXIT.ok;
  },
};

const regenerateSecret = {
  help: `Usage: ${TOOL} webhooks regenerate-secret <id> [options]

Gives webhook <id> a new secret (POST /api/v1/webhooks/<id>/regenerate-secret)
and prints it. The new secret signs every delivery from now on, so receivers
should accept the old and the new one until all of them have the new one.
A server with only the integration document's API (POST /api/webhooks) has
no such endpoint: there, create a new webhook and move receivers to it.

Options:
  --api-url <url>       your Promptfoo server (default: PROMPTFOO_API_URL)
  --api-token <token>   an API token (default: PROMPTFOO_API_TOKEN)
  --timeout <seconds>   per request; default 10
  --allow-insecure-http send the token over http:// to a host that is not loopback
  --json                print { id, secret } as JSON

${API_HELP}

${WEBHOOKS_EXIT_HELP}
`,
  options: apiOptions,
  positionals: [1, 1],
  async run(values, [id]) {
    const regenerated = await withClient(values, (client) => client.regenerateSecret(id));
    if (values.json) {
      console.log(JSON.stringify(regenerated));
      return EXIT.ok;
    }
    console.log(`New secret for webhook ${regenerated.id} (in force now):\n${regenerated.secret}`);
    console.log(`
Deliveries are signed with it from now on. Until every receiver has it,
let them accept both secrets, newest first:
  ${SECRET_ENV}=<new>,<old>
      for this tool's serve and verify (comma-separated)
  ${TOOL} serve --secret <new> --secret <old>
      several --secret values
  new Webhook([newSecret, oldSecret]), or createNodeMiddleware(process.env.X.split(','))
      in your receiver (secretIndex says which one matched)
Then remove the old one.`);
    return EXIT.ok;
  },
};

const eventTypes = {
  help: `Usage: ${TOOL} webhooks event-types [options]

Lists the event names the server can deliver (GET /api/v1/webhooks/event-types),
one per line, marking those this version of the package does not type yet.

Options:
  --api-url <url>       your Promptfoo server (default: PROMPTFOO_API_URL)
  --api-token <token>   an API token (default: PROMPTFOO_API_TOKEN)
  --timeout <seconds>   per request; default 10
  --allow-insecure-http send the token over http:// to a host that is not loopback
  --json                print the names as a JSON array

${API_HELP}

${WEBHOOKS_EXIT_HELP}
`,
  options: apiOptions,
  positionals: [0, 0],
  async run(values) {
    const names = await withClient(values, (client) => client.listEventTypes());
    if (values.json) {
      console.log(JSON.stringify(names));
      return EXIT.ok;
    }
    for (const name of names) console.log(EVENT_NAMES.includes(name) ? name : `${name}  (not typed by this version: it reaches onUnknown)`);
    return EXIT.ok;
  },
};

export const webhooks = {
  help: `Usage: ${TOOL} webhooks <create | regenerate-secret | event-types> [options]

Promptfoo's management API: create a webhook, rotate its secret, list the
event types. Run '${TOOL} webhooks <command> --help' for a command's options.

${API_HELP}

${WEBHOOKS_EXIT_HELP}
`,
  subcommands: { create, 'regenerate-secret': regenerateSecret, 'event-types': eventTypes },
};
