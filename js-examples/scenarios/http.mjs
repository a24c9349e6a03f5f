// The two bits of plumbing every scenario here shares: serve a Webhooks
// router on 127.0.0.1 with createNodeMiddleware, and POST JSON to the
// system the scenario feeds (a SIEM, a tracker, a chat webhook).
import { createServer } from 'node:http';
import { createNodeMiddleware } from 'promptfoo-webhooks';

/**
 * Serves `webhooks` on 127.0.0.1 (put a TLS reverse proxy in front to expose it);
 * with `inbox`, each delivery is recorded before its 200 and handled from there.
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function serveWebhooks(webhooks, { port = 0, path = '/webhooks/promptfoo', inbox } = {}) {
  const server = createServer(createNodeMiddleware(webhooks, { path, inbox }));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Sends `body` as JSON; resolves to the parsed answer (or null), throws on a non-2xx. */
export async function requestJson(method, url, body, headers = {}) {
  const response = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}
