// `promptfoo-webhooks/verify`, the receiving entry: the whole API's
// receiving names, answering alike, and in Node an ES module of its own
// that holds none of the rest of the API, which is what makes a cold
// process start faster there. Its errors are instances of the whole API's
// error class and the other way round.
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

test('the entry exports the receiving names: the same tables, and functions and classes of the same shape', () => {
  assert.deepEqual(Object.keys(receiving).sort(), [...RECEIVING].sort());
  for (const name of RECEIVING) {
    if (typeof whole[name] === 'function') assert.equal(receiving[name].length, whole[name].length, name);
    else assert.deepEqual(receiving[name], whole[name], name);
  }
  assert.deepEqual(Object.getOwnPropertyNames(receiving.Webhook.prototype).sort(), Object.getOwnPropertyNames(whole.Webhook.prototype).sort());
});

test('errors cross the entries: each is an instance of the other entry’s class; answers are the whole API’s', () => {
  assert.equal(receiving.verify(BODY, SIGNATURE, SECRET).data.issue.id, 'i-1');
  const wrong = SIGNATURE.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  const caught = (verify) => {
    try {
      verify(BODY, wrong, SECRET);
    } catch (error) {
      return error;
    }
    assert.fail('a wrong signature was accepted');
  };
  const fromEntry = caught(receiving.verify);
  const fromWhole = caught(whole.verify);
  assert.ok(fromEntry instanceof whole.WebhookVerificationError && fromWhole instanceof receiving.WebhookVerificationError);
  assert.deepEqual([fromEntry.code, fromEntry.message, fromEntry.hint], [fromWhole.code, fromWhole.message, fromWhole.hint]);
  assert.equal(fromEntry.code, 'signature_mismatch');
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
  assert.deepEqual(files, [entry.href], 'one file: a module more costs Node\'s loader more than its bytes');
  const loaded = files.map((href) => readFileSync(new URL(href), 'utf8')).join('\n');
  const rest = Object.keys(whole).filter((name) => !RECEIVING.includes(name));
  assert.ok(rest.length >= 20, rest.join());
  const present = rest.filter((name) => new RegExp(`\\b(?:class|function|var|let|const) ${name}\\b`).test(loaded));
  assert.deepEqual(present, []);
  // Nor the tools module's bindings, nor where its wasm file is, nor an
  // import of node:module (builtins come through process.getBuiltinModule).
  assert.doesNotMatch(loaded, /canonicalize_text|tools_bg\.wasm|"node:module"/);
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

test('without process.getBuiltinModule (Node before 20.16) the entry refuses at import, saying what to import instead; the whole API works there', () => {
  const source = (entry) => `
    delete process.getBuiltinModule;
    try {
      const { verify } = await import('${entry}');
      console.log(JSON.stringify({ id: verify(${JSON.stringify(BODY)}, ${JSON.stringify(SIGNATURE)}, ${JSON.stringify(SECRET)}).data.issue.id }));
    } catch (error) {
      console.log(JSON.stringify({ code: error.code, message: error.message }));
    }`;
  const outcome = (entry) => {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', source(entry)], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout);
  };
  assert.deepEqual(outcome('promptfoo-webhooks/verify'), {
    code: 'ERR_UNSUPPORTED_RUNTIME',
    message: `promptfoo-webhooks/verify needs process.getBuiltinModule (Node 20.16 or later); on Node ${process.version}, import 'promptfoo-webhooks' instead`,
  });
  assert.deepEqual(outcome('promptfoo-webhooks'), { id: 'i-1' });
});
