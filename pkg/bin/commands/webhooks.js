// `webhooks create | regenerate-secret | event-types`: Promptfoo's
// management API, through the package's ManagementClient.
import { EVENT_NAMES, ManagementClient } from '../../dist/node.js';
import { EXIT, EXIT_CODES_HELP, SECRET_ENV, TOOL } from '../cli.js';

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

/** A client from the options or the environment; its errors reach the entry point, which prints them. */
function clientFrom(values) {
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout) * 1000;
  return new ManagementClient({
    baseUrl: values['api-url'],
    token: values['api-token'],
    timeoutMs,
    allowInsecureHttp: values['allow-insecure-http'] === true,
  });
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
    const client = clientFrom(values);
    const created = await client.createWebhook(config);
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
    const client = clientFrom(values);
    const regenerated = await client.regenerateSecret(id);
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
    const names = await clientFrom(values).listEventTypes();
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
