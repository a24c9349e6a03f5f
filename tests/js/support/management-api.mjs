// A local stand-in of Promptfoo's management API on 127.0.0.1, as its
// documents describe it: Bearer auth, POST /api/v1/webhooks (or the older
// /api/webhooks), POST /api/v1/webhooks/{id}/regenerate-secret and GET
// /api/v1/webhooks/event-types. `shape` picks among the answers the
// documents leave open, and the failures a client must survive;
// `documentOnly` is the integration document's server, with POST
// /api/webhooks alone (any other path is the framework's plain 404).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

export const API_TOKEN = 'pfapi-test-token-0123456789abcdef';

/**
 * @param {{ legacyOnly?: boolean, documentOnly?: boolean, wrap?: 'webhook' | 'data', eventTypes?: 'array' | 'wrapped' | 'objects',
 *   hang?: boolean, hugeAnswer?: boolean, notJson?: boolean, echoToken?: boolean, failWith?: number }} [shape]
 * @returns {Promise<{ url: string, requests: Array<{ method, path, authorization, body }>, close(): Promise<void> }>}
 */
export async function startManagementApi(shape = {}) {
  const requests = [];
  const webhooks = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url, 'http://stand-in').pathname;
      requests.push({ method: req.method, path, authorization: req.headers.authorization, contentType: req.headers['content-type'], body: text === '' ? undefined : JSON.parse(text) });
      const answer = (status, body) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      if (shape.hang) return; // never answers
      if (req.headers.authorization !== `Bearer ${API_TOKEN}`) {
        const said = shape.echoToken ? `Invalid API token ${req.headers.authorization?.slice(7)}` : 'Invalid API token';
        return answer(401, { error: said });
      }
      if (shape.failWith) return answer(shape.failWith, { message: 'the database is down' });
      if (shape.hugeAnswer) return answer(200, { padding: 'x'.repeat(2 * 1024 * 1024) });
      if (shape.notJson) return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Sign in</html>');
      if (shape.documentOnly && !(req.method === 'POST' && path === '/api/webhooks')) {
        return res.writeHead(404, { 'Content-Type': 'text/html' }).end(`Cannot ${req.method} ${path}`);
      }
      const wrap = (webhook) => (shape.wrap ? { [shape.wrap]: webhook } : webhook);

      if (req.method === 'POST' && (path === '/api/v1/webhooks' || path === '/api/webhooks')) {
        if (shape.legacyOnly && path === '/api/v1/webhooks') return answer(404, { error: 'Not found' });
        const id = `wh_${webhooks.size + 1}`;
        const webhook = { id, ...JSON.parse(text), secret: randomBytes(32).toString('hex'), createdAt: new Date().toISOString() };
        webhooks.set(id, webhook);
        return answer(201, wrap(webhook));
      }
      const regenerate = path.match(/^\/api\/v1\/webhooks\/([^/]+)\/regenerate-secret$/);
      if (req.method === 'POST' && regenerate) {
        const webhook = webhooks.get(decodeURIComponent(regenerate[1]));
        if (webhook === undefined) return answer(404, { error: 'Webhook not found' });
        webhook.secret = randomBytes(32).toString('hex');
        return answer(200, wrap(webhook));
      }
      if (req.method === 'GET' && path === '/api/v1/webhooks/event-types') {
        const names = ['issue.created', 'issue.updated', 'issue.status_changed', 'issue.severity_changed', 'issue.comment_added', 'report.generated'];
        if (shape.eventTypes === 'wrapped') return answer(200, { eventTypes: names });
        if (shape.eventTypes === 'objects') return answer(200, names.map((name) => ({ name, description: `when ${name}` })));
        return answer(200, names);
      }
      answer(404, { error: 'Not found' });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    webhooks,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}
