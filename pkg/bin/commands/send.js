// `send`: a signed delivery to a receiver, as Promptfoo sends it (or the
// curl command that would send it).
import { DELIVERY_TIMEOUT_SECONDS, EVENT_NAMES, signPayload } from '../../dist/node.js';
import { EXIT, exitCodesHelp, httpUrl, SECRET_HELP, secretsFrom, TOOL } from '../cli.js';
import { PAYLOAD_HELP, PAYLOAD_OPTIONS, payloadFrom } from '../payload.js';

const ANSWER_SHOWN_CHARS = 500;

export const send = {
  help: `Usage: ${TOOL} send <url> --secret <secret> [--event <name> | --file <payload.json>] [options]

Builds a sample event (issue.created unless --event says otherwise), or reads
your payload from a file, applies --timestamp and --set, serializes it
exactly as Promptfoo does (JSON.stringify), signs it and POSTs it to <url>,
waiting ${DELIVERY_TIMEOUT_SECONDS} s and following no redirect, as Promptfoo does.
Prints the answer's status and body.

Options:
  --secret <secret>     the webhook secret
  --event <name>        the sample to send, one of:
                        ${EVENT_NAMES.join(', ')}
  --file <path>         send this JSON payload instead of a sample
${PAYLOAD_HELP}
  --dry-run             print the request as a curl command instead of sending it

${SECRET_HELP}

${exitCodesHelp({
  0: 'the receiver answered 2xx (with --dry-run: the command was printed)',
  1: `a non-2xx answer, no answer within ${DELIVERY_TIMEOUT_SECONDS} s, a network error, or a --file that is not a valid payload (nothing is sent then)`,
  2: 'usage error: no secret or an invalid one, not an http(s) URL, an unknown --event, a --file that cannot be read, an unknown option or invalid value',
})}
`,
  options: { secret: { type: 'string' }, ...PAYLOAD_OPTIONS, 'dry-run': { type: 'boolean' } },
  positionals: [1, 1],
  async run(values, [url]) {
    const [secret] = secretsFrom(values);
    const target = httpUrl(url);
    const { body, headers } = signPayload(payloadFrom(values, 'issue.created'), secret);
    if (values['dry-run']) {
      console.log(curlCommand(target, headers, body));
      return EXIT.ok;
    }
    const name = JSON.parse(body).event;
    const bodyBytes = Buffer.byteLength(body);
    let response;
    try {
      response = await fetch(target, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(DELIVERY_TIMEOUT_SECONDS * 1000) });
    } catch (error) {
      console.error(`${name} -> ${target}: ${failureText(error, bodyBytes)}`);
      return EXIT.rejected;
    }
    console.log(`${name} -> ${target}: ${response.status} ${response.statusText}`);
    // The status came; its body may still be cut off (a receiver that answers and resets the connection).
    let answer;
    try {
      answer = await response.text();
    } catch (error) {
      console.error(`the answer's body could not be read: ${failureText(error, bodyBytes)}`);
      return EXIT.rejected;
    }
    if (answer) console.log(answer.length > ANSWER_SHOWN_CHARS ? `${answer.slice(0, ANSWER_SHOWN_CHARS)}…` : answer);
    return response.ok ? EXIT.ok : EXIT.rejected;
  },
};

// Bodies this large may be over a receiver's limit: Express's json() refuses
// more than 100 KB by default, the later document's receiver more than 5 MB.
const LARGE_BODY_BYTES = 64 * 1024;

/** What a failed delivery means, in words, from fetch's error (its `cause` holds the socket's code). */
export function failureText(error, bodyBytes) {
  if (error?.name === 'TimeoutError') {
    return `no answer within ${DELIVERY_TIMEOUT_SECONDS} s: Promptfoo waits that long, then counts the delivery as failed (answer at once, do slow work after)`;
  }
  const code = error?.cause?.code ?? error?.code;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') {
    const why =
      bodyBytes > LARGE_BODY_BYTES
        ? `likely the body (${bodyBytes} bytes) is over its size limit: a receiver that refuses one (413) often closes the connection while it is still being sent, before its answer can be read. Send a smaller payload or raise the receiver's limit`
        : 'it may have crashed, or something between it and here (a proxy, a firewall) dropped the request';
    return `the receiver closed the connection before its answer could be read (${code}): ${why}`;
  }
  if (code === 'ECONNREFUSED') return `nothing listens there (ECONNREFUSED): is the receiver running, on that port?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `no such host (${code})`;
  return String(code ?? error?.cause?.message ?? error?.message ?? error);
}

/** A POSIX shell word: single-quoted, a single quote written as '\''. */
export function shellQuote(text) {
  return `'${String(text).replaceAll("'", "'\\''")}'`;
}

/** The curl command that sends these exact bytes and headers (an object, or `[name, value]` pairs). */
export function curlCommand(url, headers, body) {
  const lines = [`curl -sS -X POST ${shellQuote(url)}`];
  for (const [name, value] of Array.isArray(headers) ? headers : Object.entries(headers)) lines.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  // --data-raw: the text as it is (--data-binary would read a body that starts with '@' as a file).
  lines.push(`--data-raw ${shellQuote(body)}`);
  return lines.join(' \\\n  ');
}
