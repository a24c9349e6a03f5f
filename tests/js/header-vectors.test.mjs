// The shared header vectors (tests/vectors/signature-forms.json and
// webhook-ids.json, read by tests/header_vectors.rs too) through the
// package's public API, on each path a signature is checked by: the wasm
// core (the portable entry in Node), node:crypto (the Node entry: the
// vectors' body is over its 512 B threshold) and WebCrypto (the portable
// entry as a browser loads it, in a child process). Every surface must
// read X-Promptfoo-Signature and X-Webhook-Id as the contract says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as node from 'promptfoo-webhooks';
import * as portable from 'promptfoo-webhooks/portable';
import { SIGNATURE_FORMS, WEBHOOK_IDS, signatureRows, webhookIdRows } from './support/header-vectors.mjs';

const PEER = new URL('./support/webcrypto-peer.mjs', import.meta.url);

function assertRows(rows, path) {
  assert.ok(rows.length > 0, path);
  for (const { label, got, want } of rows) assert.deepEqual(got, want, `${path}, ${label}`);
}

test('the vectors cover every outcome a header can have', () => {
  const codes = new Set(SIGNATURE_FORMS.cases.map(({ code }) => code ?? 'verified'));
  assert.deepEqual([...codes].sort(), ['malformed_signature', 'missing_signature', 'signature_mismatch', 'verified']);
  const picks = new Set(WEBHOOK_IDS.cases.map(({ picks, code }) => code ?? (picks === null ? 'no header' : 'an id')));
  assert.deepEqual([...picks].sort(), ['an id', 'no header', 'unknown_webhook']);
  assert.ok(SIGNATURE_FORMS.body.length > 1024, 'over every native threshold (node:crypto 512 B, WebCrypto 1 KiB)');
});

for (const [path, api] of [
  ['the wasm core (portable entry)', portable],
  ['node:crypto (Node entry)', node],
]) {
  test(`signature forms, through ${path}`, async () => assertRows(await signatureRows(api), path));
  test(`webhook ids, through ${path}`, async () => assertRows(await webhookIdRows(api), path));
}

test('signature forms and webhook ids, through WebCrypto (portable entry as a browser loads it)', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [PEER.pathname]);
  const { rows, subtleVerifies } = JSON.parse(stdout);
  assert.ok(subtleVerifies > 0, 'WebCrypto verified the asynchronous surfaces');
  assertRows(rows, 'WebCrypto');
});
