// `promptfoo-webhooks/verify`, the receiving entry: the whole API's own
// receiving names (the same objects, so an error from one is an instance
// of the other's class), and in Node an ES module that loads none of the
// rest of the API, which is what makes a cold process start faster there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as whole from 'promptfoo-webhooks';
import * as receiving from 'promptfoo-webhooks/verify';

const require = createRequire(import.meta.url);
const SECRET = 'verify-entry-secret-0123456789ab';
const BODY = JSON.stringify({ event: 'issue.created', timestamp: '2025-03-14T12:34:56Z', data: { issue: { id: 'i-1', weakness: 'w'.repeat(1500) }, eventData: {} } });
const SIGNATURE = createHmac('sha256', SECRET).update(BODY).digest('hex');

const RECEIVING = [
  'DEFAULT_MAX_BODY_BYTES', 'DELIVERY_TIMEOUT_SECONDS', 'EVENT_NAMES', 'SEVERITIES', 'SIGNATURE_HEADER', 'STATUSES', 'STATUS_BY_CODE',
  'Webhook', 'WebhookVerificationError', 'isKnownEvent', 'parseEvent', 'verify', 'verifySignature', 'verifySignatureAsync',
];

test('the entry exports the receiving names, each the whole API’s own object', () => {
  assert.deepEqual(Object.keys(receiving).sort(), [...RECEIVING].sort());
  for (const name of RECEIVING) assert.equal(receiving[name], whole[name], name);
});

test('an error from the entry is an instance of the whole API’s class, and verifies as the whole API does', () => {
  assert.equal(receiving.verify(BODY, SIGNATURE, SECRET).data.issue.id, 'i-1');
  assert.throws(() => receiving.verify(BODY, SIGNATURE.replace(/^./, (c) => (c === '0' ? '1' : '0')), SECRET), (error) => {
    assert.ok(error instanceof whole.WebhookVerificationError);
    assert.equal(error.code, 'signature_mismatch');
    return true;
  });
});

test('require() of the entry is the whole CommonJS build: one set of classes for CommonJS code', () => {
  assert.equal(require('promptfoo-webhooks/verify'), require('promptfoo-webhooks'));
});

/** The files an ES module loads, itself first, by following its relative static imports. */
function staticGraph(file, seen = new Set()) {
  if (seen.has(file.href)) return seen;
  seen.add(file.href);
  const source = readFileSync(file, 'utf8');
  for (const [, specifier] of source.matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"/gm)) staticGraph(new URL(specifier, file), seen);
  return seen;
}

test('in Node, the ES entry loads none of the rest of the API, and no tools bindings', () => {
  const entry = new URL(import.meta.resolve('promptfoo-webhooks/verify'));
  assert.match(entry.pathname, /\/pkg\/dist\/verify\.js$/);
  const files = [...staticGraph(entry)];
  assert.ok(files.length >= 2, 'the entry and the chunk it shares with the whole API');
  const loaded = files.map((href) => readFileSync(new URL(href), 'utf8')).join('\n');
  const rest = Object.keys(whole).filter((name) => !RECEIVING.includes(name));
  assert.ok(rest.length >= 20, rest.join());
  const present = rest.filter((name) => new RegExp(`\\b(?:class|function|var|let|const) ${name}\\b`).test(loaded));
  assert.deepEqual(present, []);
  // Nor the tools module's bindings, nor where its wasm file is.
  assert.doesNotMatch(loaded, /canonicalize_text|tools_bg\.wasm/);
  // The whole API's entry does define them, so the check can see them.
  const wholeSource = readFileSync(new URL('node.js', entry), 'utf8');
  assert.ok(rest.every((name) => new RegExp(`\\b(?:class|function|var|let|const) ${name}\\b`).test(wholeSource)), 'the whole API defines the rest in node.js');
});

test('in a fresh process, importing the entry and a typed verify of 1.5 KB instantiate no wasm', () => {
  const source = `
    let instances = 0;
    const Instance = WebAssembly.Instance;
    WebAssembly.Instance = function (...args) { instances++; return new Instance(...args); };
    const { verify } = await import('promptfoo-webhooks/verify');
    const event = verify(${JSON.stringify(BODY)}, ${JSON.stringify(SIGNATURE)}, ${JSON.stringify(SECRET)});
    console.log(JSON.stringify({ instances, id: event.data.issue.id }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { instances: 0, id: 'i-1' });
});
