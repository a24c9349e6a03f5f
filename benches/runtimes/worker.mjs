// The runtimes benchmark in workerd: the contenders of contenders.mjs,
// served as routes.mjs says.
import * as pkg from 'promptfoo-webhooks';
import { contenders } from './contenders.mjs';
import { benchRoutes } from './routes.mjs';

const bySize = new Map();

function node() {
  const getBuiltinModule = globalThis.process?.getBuiltinModule;
  if (typeof getBuiltinModule !== 'function') return undefined;
  return { crypto: getBuiltinModule('node:crypto'), Buffer: getBuiltinModule('node:buffer').Buffer };
}

async function listFor(size) {
  if (!bySize.has(size)) {
    const runtime = node();
    // With nodejs_compat the hand-written baseline is still WebCrypto: it is the faster HMAC in workerd.
    // workerd also gets the rows of a request without Content-Length: its Request bodies are byte streams.
    bySize.set(size, await contenders({ pkg, node: runtime, subtle: crypto.subtle, best: 'WebCrypto', size, withoutLength: true }));
  }
  return bySize.get(size);
}

export default benchRoutes(listFor);
