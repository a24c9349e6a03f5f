// The Worker of tests/js/queues-workerd.test.mjs: createFetchHandler with a
// CloudflareQueueInbox, and createQueueConsumer as its queue() handler for
// the deliveries queue and its dead-letter queue, as a Workers user writes
// them. The issue id says how the handler behaves: `flaky-` fails its first
// attempt, `poison-` and `grave-` every one (and onDead throws the first
// time it hears of a `grave-`), `slow-` takes 300 ms. GET /log shows what
// happened (test-only route).
import { CloudflareQueueInbox, createFetchHandler, createQueueConsumer, Webhooks } from 'promptfoo-webhooks';

const log = []; // per isolate: fetch and queue() run in the same one here
const graves = new Set();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const issueOf = (body) => JSON.parse(new TextDecoder().decode(body)).data.issue.id;

const webhooks = new Webhooks({ secret: (env) => env.PROMPTFOO_WEBHOOK_SECRET }).onAny(async (event, context) => {
  const issue = event.data.issue.id;
  const start = Date.now();
  if (issue.startsWith('slow-') && event.event === 'issue.created') await sleep(300);
  log.push({ kind: 'handled', event: event.event, issue, typed: typeof event.data.issue.severity, ...context, start, end: Date.now() });
  if ((issue.startsWith('flaky-') && context.attempt === 1) || issue.startsWith('poison-') || issue.startsWith('grave-')) {
    throw new Error(`${issue} failed attempt ${context.attempt}`);
  }
});

const answered = (answer) => log.push({ kind: 'answer', status: answer.status, entry: answer.entry });
const receiverError = (error) => log.push({ kind: 'receiver-error', code: error.code, message: error.message });

const receiver = createFetchHandler(webhooks, { inbox: new CloudflareQueueInbox('PROMPTFOO_DELIVERIES'), onAnswer: answered, onError: receiverError });
// A receiver whose producer binding the config does not declare.
const unbound = createFetchHandler(webhooks, { inbox: new CloudflareQueueInbox((env) => env.NOT_DECLARED), onError: receiverError });

const queue = createQueueConsumer({
  webhooks,
  deadLetterQueue: 'deliveries-dead',
  async onDead(entry, error) {
    const issue = issueOf(entry.body);
    log.push({ kind: 'dead', id: entry.id, attempt: entry.attempt, issue, message: error.message, signature: typeof entry.signature });
    if (issue.startsWith('grave-') && !graves.has(issue)) {
      graves.add(issue);
      throw new Error(`onDead failed for ${issue}`);
    }
  },
  onError: (error) => log.push({ kind: 'handler-error', message: error.message }),
  logger: { error: (...args) => log.push({ kind: 'logged', text: args.map(String).join(' ') }) },
  // Delays of one second: the least Queues takes.
  retryBaseMs: 1,
  retryMaxMs: 1,
});

export default {
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname === '/log') return Response.json(log);
    if (pathname === '/unbound') return unbound(request, env, ctx);
    return receiver(request, env, ctx);
  },
  queue,
};
