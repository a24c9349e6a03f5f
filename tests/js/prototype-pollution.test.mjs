// A polluted Object.prototype (a vulnerable merge elsewhere in the app) must
// not make a signed payload that lacks a required member pass: the schema
// check reads only the payload's own members, and the replay window reads
// the payload's own timestamp. Pollution is global, so each case runs in a
// child process: ESM and CommonJS, the Node and the portable builds,
// polluted before the package loads and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

const ROOT = new URL('../../', import.meta.url);
const NOW = Date.parse('2025-03-14T12:34:56Z');
const iso = (ms) => new Date(ms).toISOString();
const STALE = iso(NOW - 3_600_000); // an hour off: outside a 300 s window

// What a payload lacking each member would read through the prototype, were
// it read there: values the schema accepts, and a fresh timestamp.
const POLLUTION = {
  event: 'evaluation.created',
  timestamp: iso(NOW),
  data: { jobId: 'j-polluted' },
  issue: { id: 'i-polluted' },
  id: 'i-polluted',
  jobId: 'j-polluted',
  issueId: 'i-polluted',
  remediation: { text: 'polluted' },
  eventData: { changes: ['polluted'] },
  changes: ['polluted'],
};

const issue = { id: 'i-1', severity: 'high' };
const envelope = (event, data, timestamp = iso(NOW)) => ({ event, timestamp, data });
/** `value` without the member at `path` (keys from the root). */
function without(value, ...path) {
  const copy = structuredClone(value);
  const parent = path.slice(0, -1).reduce((object, key) => object[key], copy);
  delete parent[path.at(-1)];
  return copy;
}
const created = envelope('issue.created', { issue, eventData: {} });
const updated = envelope('issue.updated', { issue, eventData: { changes: ['status'] } });
const evaluation = envelope('evaluation.created', { jobId: 'j-1' });
const remediation = envelope('remediation.created', { issueId: 'i-1', remediation: { text: 'fix' } });

// name -> [payload, the verdict expected]
const CASES = {
  'issue.created': [created, 'ok'],
  'issue.updated': [updated, 'ok'],
  'evaluation.created': [evaluation, 'ok'],
  'remediation.created': [remediation, 'ok'],
  'no event': [without(created, 'event'), 'invalid_payload'],
  'no timestamp': [without(created, 'timestamp'), 'invalid_payload'],
  'no data': [without(created, 'data'), 'invalid_payload'],
  'no data.issue': [without(created, 'data', 'issue'), 'invalid_payload'],
  'no data.issue.id': [without(created, 'data', 'issue', 'id'), 'invalid_payload'],
  'no data.eventData (issue.updated)': [without(updated, 'data', 'eventData'), 'invalid_payload'],
  'no data.eventData.changes': [without(updated, 'data', 'eventData', 'changes'), 'invalid_payload'],
  'no data.jobId': [without(evaluation, 'data', 'jobId'), 'invalid_payload'],
  'no data.issueId': [without(remediation, 'data', 'issueId'), 'invalid_payload'],
  'no data.remediation': [without(remediation, 'data', 'remediation'), 'invalid_payload'],
  // The prototype's timestamp is fresh; the payload's own is what the window judges.
  'a stale own timestamp': [envelope('evaluation.created', { jobId: 'j-1' }, STALE), 'timestamp_outside_window'],
};

/**
 * The child's program once `api` is the package: each case signed and
 * verified as bytes, as a parsed body and by parseEvent (its verdicts
 * printed as JSON), then a fresh payload with the prototype's timestamp
 * made stale, which must still verify.
 */
const CHECKS = `
const verdict = (fn) => {
  try { fn(); return 'ok'; } catch (error) { return error.code ?? String(error); }
};
const options = { toleranceSeconds: 300, now: ${NOW} };
const results = {};
for (const [name, [payload]] of Object.entries(cases)) {
  const text = JSON.stringify(payload);
  const signature = createHmac('sha256', SECRET).update(text).digest('hex');
  results[name] = {
    bytes: verdict(() => api.verify(Buffer.from(text), signature, SECRET, options)),
    parsed: verdict(() => api.verify(JSON.parse(text), signature, SECRET, { ...options, allowParsedBody: true })),
    parseEvent: verdict(() => api.parseEvent(text)), // no window: schema only
  };
}
Object.prototype.timestamp = ${JSON.stringify(STALE)};
const fresh = JSON.stringify(cases['evaluation.created'][0]);
results['a fresh own timestamp, the prototype\\'s stale'] = verdict(() =>
  api.verify(fresh, createHmac('sha256', SECRET).update(fresh).digest('hex'), SECRET, options));
process.stdout.write(JSON.stringify(results));
`;

/** The child's whole program: `load` makes `api`; pollution before or after it. */
function program({ esm, specifier }, when) {
  const pollute = `for (const [key, value] of Object.entries(${JSON.stringify(POLLUTION)})) Object.prototype[key] = value;`;
  const head = esm
    ? `import { createHmac } from 'node:crypto';\n`
    : `const { createHmac } = require('node:crypto');\n`;
  const load = esm ? `const api = await import(${JSON.stringify(specifier)});` : `const api = require(${JSON.stringify(specifier)});`;
  const setup = `const SECRET = 'whsec-test-0123456789abcdef';\nconst cases = ${JSON.stringify(CASES)};\n`;
  return head + setup + (when === 'before' ? `${pollute}\n${load}\n` : `${load}\n${pollute}\n`) + CHECKS;
}

function run(source, esm) {
  const args = esm ? ['--input-type=module', '-e', source] : ['-e', source];
  return JSON.parse(execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' }));
}

const BUILDS = [
  { name: 'ESM', esm: true, specifier: 'promptfoo-webhooks' },
  { name: 'CommonJS', esm: false, specifier: 'promptfoo-webhooks' },
  { name: 'portable ESM', esm: true, specifier: 'promptfoo-webhooks/portable' },
  { name: 'portable CommonJS', esm: false, specifier: 'promptfoo-webhooks/portable' },
];

for (const build of BUILDS) {
  for (const when of ['before', 'after']) {
    test(`${build.name}, Object.prototype polluted ${when} the package loads: only own members count`, () => {
      const results = run(program(build, when), build.esm);
      for (const [name, [, expected]] of Object.entries(CASES)) {
        const parseExpected = expected === 'timestamp_outside_window' ? 'ok' : expected;
        assert.deepEqual(results[name], { bytes: expected, parsed: expected, parseEvent: parseExpected }, name);
      }
      assert.equal(results["a fresh own timestamp, the prototype's stale"], 'ok');
    });
  }
}

// Keys a polluted prototype often carries, and those that code defining
// properties or interoperating between module systems reads: descriptor
// fields, CommonJS/ESM interop names, wasm glue names. (Node itself cannot
// load modules with `path` polluted, nor import ESM with `get` or `set`.)
const KEYS = ['value', 'writable', 'enumerable', 'configurable', 'get', 'set', 'default', '__esModule', 'then', 'exports', 'module', 'length', 'name', 'buffer', 'memory', 'instance', 'isAdmin'];

test('require() of both CommonJS builds works with Object.prototype polluted first, and every build verifies', () => {
  const body = JSON.stringify({ event: 'evaluation.created', timestamp: iso(NOW), data: { jobId: 'j-1' } });
  for (const key of KEYS) {
    const source = `(async () => {
      const { createHmac } = require('node:crypto');
      const SECRET = 'whsec-test-0123456789abcdef';
      const esm = await import('promptfoo-webhooks'); // ESM loads first: Node's own loader trips on some keys
      Object.prototype[${JSON.stringify(key)}] = 'polluted';
      const apis = [esm, require('promptfoo-webhooks'), require('promptfoo-webhooks/portable')];
      const body = ${JSON.stringify(body)};
      const signature = createHmac('sha256', SECRET).update(body).digest('hex');
      const events = apis.map((api) => api.verify(body, signature, SECRET));
      process.stdout.write(JSON.stringify(events.map((event) => [event.event, event.secretIndex])));
    })();`;
    const results = JSON.parse(execFileSync(process.execPath, ['-e', source], { cwd: ROOT, encoding: 'utf8' }));
    assert.deepEqual(results, Array(3).fill(['evaluation.created', 0]), `Object.prototype.${key}`);
  }
});
