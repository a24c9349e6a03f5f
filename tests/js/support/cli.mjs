// Runs the promptfoo-webhooks tool (pkg/bin) as a child process, the way a
// user runs it, for the CLI suites.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../../pkg/bin/promptfoo-webhooks.js', import.meta.url));

/** Spawns the tool. `env` is added to an environment without PROMPTFOO_WEBHOOK_SECRET. */
export function start(args, { env = {} } = {}) {
  const { PROMPTFOO_WEBHOOK_SECRET: _, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...inherited, ...env }, stdio: 'pipe' });
  child.output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (text) => (child.output.stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text) => (child.output.stderr += text));
  child.exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, ...child.output })));
  return child;
}

/** Runs the tool to the end with `input` on stdin; resolves with { code, stdout, stderr }. */
export function run(args, { input, env } = {}) {
  const child = start(args, { env });
  child.stdin.end(input);
  return child.exited;
}

export function assertUsageError(result, pattern) {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, pattern);
  assert.match(result.stderr, /Usage: promptfoo-webhooks/);
}

