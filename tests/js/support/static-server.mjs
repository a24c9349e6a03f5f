// A read-only static file server on 127.0.0.1 for the browser suites.
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Serves files under `root`, read-only: GET and HEAD only, and no path
 * (after decoding `..` and `%2e%2e`) may leave the root. Resolves to the
 * listening http.Server (port 0: the OS picks one).
 */
export function startStaticServer(root) {
  root = resolve(root);
  const server = createServer(async (req, res) => {
    const send = (status, text) => res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, 'read-only');
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      return send(400, 'bad path');
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = resolve(root, `.${pathname}`);
    if (!file.startsWith(root + sep) || pathname.includes('\0')) return send(403, 'outside the root');
    try {
      if (!(await stat(file)).isFile()) return send(404, 'not a file');
      const content = await readFile(file);
      res.writeHead(200, {
        'content-type': MIME_TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': content.byteLength,
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : content);
    } catch {
      send(404, 'not found');
    }
  });
  return new Promise((resolveListening, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListening(server));
  });
}
