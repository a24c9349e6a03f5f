// How the package talks to the user's Redis (RedisReplayStore, RedisInbox):
// it depends on no client, so it takes yours and says which one it is (the
// two common clients call commands differently), or a function sending
// one command's raw arguments; a key prefix; and a bound on each answer.

import { argumentError } from '../core/errors.js';

export const REDIS_FLAVORS = ['node-redis', 'ioredis'];
const DEFAULT_TIMEOUT_MS = 2000;

/**
 * Checks `{ client, flavor, command, prefix, timeoutMs }` for `who`, whose
 * client must have `methods[flavor]`; returns them with their defaults.
 */
export function readRedisOptions(who, options, { methods, defaultPrefix = '' }) {
  const { client, flavor, command, prefix = defaultPrefix, timeoutMs = DEFAULT_TIMEOUT_MS } = options ?? {};
  const fail = (message) => argumentError('ERR_INVALID_ARG_TYPE', `${who}: ${message}`);
  if (command !== undefined) {
    if (typeof command !== 'function') throw fail('command must be a function taking the arguments of one Redis command');
    if (client !== undefined || flavor !== undefined) throw fail('pass either command, or client with flavor, not both');
  } else {
    const method = Object.hasOwn(methods, flavor) ? methods[flavor] : undefined;
    const wanted = [...new Set(Object.values(methods))].map((name) => `${name}()`).join(' or ');
    if (typeof client !== 'object' || client === null) throw fail(`client must be a Redis client with a ${wanted} method (or pass command)`);
    if (!REDIS_FLAVORS.includes(flavor)) throw fail(`flavor must be 'node-redis' or 'ioredis', got ${String(flavor)}`);
    if (typeof client[method] !== 'function') throw fail(`client must be a Redis client with a ${method}() method (or pass command)`);
  }
  if (typeof prefix !== 'string') throw fail('prefix must be a string');
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw fail('timeoutMs must be a positive number');
  return { client, flavor, command, prefix, timeoutMs };
}

/** `(args) => reply` for one raw command, through `command` or the client's own call for raw arguments. */
export function rawCommand({ client, flavor, command }) {
  if (command !== undefined) return command;
  return flavor === 'ioredis' ? (args) => client.call(...args) : (args) => client.sendCommand(args);
}

/** `promise`, or a rejection (code ETIMEDOUT) once `ms` pass first. The command itself may still land later. */
export function withTimeout(promise, ms, who) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${who}: no answer from Redis within ${ms} ms`);
      error.code = 'ETIMEDOUT';
      reject(error);
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
