// Types for promptfoo-webhooks. Field names are the wire names Promptfoo sends.

/** A raw request body: exactly the bytes (or text) Promptfoo sent. */
export type RawBody = string | Uint8Array | ArrayBuffer;
/** One secret, or several during a rotation (any may match). */
export type Secrets = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

export type KnownSeverity = 'critical' | 'high' | 'medium' | 'low' | 'informational';
/** Known severities are typed; a value added by Promptfoo later still arrives. */
export type Severity = KnownSeverity | (string & {});
/** `open` and `fixed` are known; other states (false positive, ignored) are kept as sent. */
export type Status = 'open' | 'fixed' | (string & {});

export interface Issue {
  id: string;
  pluginId?: string;
  status?: Status;
  severity?: Severity;
  organizationId?: string;
  targetId?: string;
  providerId?: string;
  /** ISO 8601 */
  createdAt?: string;
  /** ISO 8601 */
  updatedAt?: string;
  weakness?: string;
  history?: unknown[];
  /** Fields Promptfoo adds later arrive untouched. */
  [field: string]: unknown;
}

interface Envelope<Name extends string, Data> {
  event: Name;
  /** ISO 8601 with `Z`, e.g. `2025-03-14T12:34:56Z` */
  timestamp: string;
  data: Data;
}

export interface IssueEventData {
  issue: Issue;
  eventData: { changes?: string[]; [field: string]: unknown };
  [field: string]: unknown;
}

export type IssueCreatedEvent = Envelope<'issue.created', IssueEventData>;
export type IssueUpdatedEvent = Envelope<
  'issue.updated',
  {
    issue: Issue;
    /** e.g. `["status changed to fixed", "severity changed to low"]` */
    eventData: { changes: string[]; [field: string]: unknown };
    /** Present when a user made the change. */
    userId?: string;
    [field: string]: unknown;
  }
>;
export type IssueStatusChangedEvent = Envelope<'issue.status_changed', IssueEventData>;
export type IssueSeverityChangedEvent = Envelope<'issue.severity_changed', IssueEventData>;
export type IssueCommentAddedEvent = Envelope<'issue.comment_added', IssueEventData>;
export type RemediationCreatedEvent = Envelope<
  'remediation.created',
  { issueId: string; remediation: unknown; [field: string]: unknown }
>;
export type EvaluationCreatedEvent = Envelope<
  'evaluation.created',
  { jobId: string; config?: unknown; [field: string]: unknown }
>;
export type EvaluationCompletedEvent = Envelope<
  'evaluation.completed',
  { jobId: string; evalId?: string; partial?: boolean; progress?: unknown; [field: string]: unknown }
>;
export type EvaluationFailedEvent = Envelope<
  'evaluation.failed',
  { jobId: string; error?: unknown; progress?: unknown; [field: string]: unknown }
>;

/** Every event this version knows, discriminated by `event`. */
export type KnownEvent =
  | IssueCreatedEvent
  | IssueUpdatedEvent
  | IssueStatusChangedEvent
  | IssueSeverityChangedEvent
  | IssueCommentAddedEvent
  | RemediationCreatedEvent
  | EvaluationCreatedEvent
  | EvaluationCompletedEvent
  | EvaluationFailedEvent;
export type KnownEventName = KnownEvent['event'];

/**
 * An event this version does not know yet, verified, with its raw data.
 * At run time `event` is the name as sent (a string). It is typed `never`
 * so that `switch (event.event)` narrows every known case (a `string`
 * there would keep this member in every case); read it with
 * `String(event.event)` in a `default:` branch, or check with `isKnownEvent`.
 */
export interface UnknownEvent {
  event: never;
  timestamp: string;
  data: unknown;
}

export type WebhookEvent = KnownEvent | UnknownEvent;

/** A verified event; `secretIndex` (not enumerable) says which secret matched. */
export type VerifiedEvent = WebhookEvent & { readonly secretIndex: number };

export type ErrorCode =
  | 'missing_signature'
  | 'malformed_signature'
  | 'signature_mismatch'
  | 'invalid_secret'
  | 'body_too_large'
  | 'unsupported_body'
  | 'invalid_json'
  | 'invalid_payload'
  | 'timestamp_outside_window'
  | 'parsed_body_mismatch'
  | 'invalid_options'
  | 'random_unavailable'
  | 'duplicate_delivery';

/** Why a `timestamp_outside_window` error fired: the payload's timestamp is behind or ahead of the window. */
export type WindowReason = 'too_old' | 'in_future';

export class WebhookVerificationError extends Error {
  constructor(code: ErrorCode, message: string, details?: { hint?: string; path?: string; reason?: WindowReason });
  readonly name: 'WebhookVerificationError';
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** What to do about it. */
  readonly hint: string;
  /** JSON path of the offending field, for `invalid_payload`. */
  readonly path?: string;
  /** For `timestamp_outside_window`: `too_old` or `in_future`. Absent for every other code. */
  readonly reason?: WindowReason;
  /** What a caller-supplied value threw (a getter, toJSON, a Proxy, the `now` clock, a body stream), when that caused this error. */
  readonly cause?: unknown;
}

export interface VerifyOptions {
  /** Reject payloads whose `timestamp` is further than this from now. Off by default. */
  toleranceSeconds?: number;
  /** Default 5 MiB (5,242,880). */
  maxBodyBytes?: number;
  /**
   * Accept a parsed object (e.g. Express `req.body`) and verify `JSON.stringify` of it.
   * The event returned is that object itself, with `secretIndex` added, when it is
   * plain JSON data; otherwise what `JSON.parse` makes of the signed text.
   */
  allowParsedBody?: boolean;
  /** The clock for the replay window: a function, a Date, or Unix milliseconds. */
  now?: (() => Date | number) | Date | number;
}

/** Verifies one delivery; throws `WebhookVerificationError` on any failure. */
export function verify(
  body: RawBody | object,
  signature: string | null | undefined,
  secret: Secrets,
  options?: VerifyOptions,
): VerifiedEvent;

/** `true`/`false`; never throws for any signature value. */
export function verifySignature(body: RawBody, signature: unknown, secret: Secrets): boolean;

/** Lower-case hex HMAC-SHA256 of the body bytes. */
export function sign(body: RawBody, secret: Secrets): string;

/** Exactly what V8's `JSON.stringify(JSON.parse(jsonText))` returns. */
export function canonicalize(jsonText: string | Uint8Array | ArrayBuffer): string;

/** `true` for the nine events this version types; `false` for a later one. */
export function isKnownEvent(event: WebhookEvent): event is KnownEvent;

/** Parses and validates a payload without verifying it (tests, trusted replays). */
export function parseEvent(body: RawBody | object): WebhookEvent;

/**
 * Remembers deliveries for de-duplication. `claim` returns true when `key`
 * was not seen within its TTL, marking it seen in the same atomic step, and
 * false when it was. Redis: `SET key 1 NX EX ttlSeconds` (OK = true).
 */
export interface ReplayStore {
  claim(key: string, ttlSeconds: number): boolean | Promise<boolean>;
}

/** An in-process ReplayStore with TTL expiry, bounded to `maxEntries` keys (oldest forgotten first). */
export class MemoryReplayStore implements ReplayStore {
  /** maxEntries default 10,000; now (milliseconds) default Date.now, for tests. */
  constructor(options?: { maxEntries?: number; now?: () => number });
  claim(key: string, ttlSeconds: number): boolean;
  /** Keys held now. */
  readonly size: number;
}

/**
 * A connected Redis client: node-redis v4+ (`flavor: 'node-redis'`, called as
 * `set(key, '1', { NX: true, EX: ttl })`) or ioredis (`flavor: 'ioredis'`,
 * `set(key, '1', 'EX', ttl, 'NX')`). Typed loosely so any version's client fits.
 */
export interface RedisLikeClient {
  set(...args: any[]): unknown;
}

export type RedisReplayStoreOptions = (
  | { client: RedisLikeClient; flavor: 'node-redis' | 'ioredis'; command?: never }
  | {
      /** Sends one command's arguments, e.g. `(args) => client.sendCommand(args)` or `(args) => client.call(...args)`. */
      command: (args: string[]) => unknown;
      client?: never;
      flavor?: never;
    }
) & {
  /** Put before every key (default ''). */
  prefix?: string;
  /** A claim not answered by then rejects (default 2000). */
  timeoutMs?: number;
};

/**
 * A ReplayStore shared through Redis: `SET <prefix><key> 1 NX EX <ttl>`, one
 * atomic round trip. Bring your own client (node-redis v4+ or ioredis).
 */
export class RedisReplayStore implements ReplayStore {
  constructor(options: RedisReplayStoreOptions);
  claim(key: string, ttlSeconds: number): Promise<boolean>;
}

/** The parts of a Durable Object namespace binding (env.REPLAY) the store uses. */
export interface ReplayGuardNamespace {
  idFromName(name: string): unknown;
  get(id: any): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/**
 * A ReplayStore in Cloudflare Durable Objects (strongly consistent, shared by
 * every Worker instance): routes each key to one of `shards` ReplayGuard objects.
 */
export class DurableObjectReplayStore implements ReplayStore {
  /**
   * shards: objects sharing the keys (default 1); name: their name prefix
   * (default 'promptfoo-webhooks-replay'). Changing either starts empty.
   */
  constructor(namespace: ReplayGuardNamespace, options?: { shards?: number; name?: string });
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  /** Per shard: unexpired keys, keys held (expired ones until the alarm deletes them), next alarm (ms). */
  stats(): Promise<{ shards: Array<{ keys: number; stored: number; alarm: number | null }> }>;
  /** The shard index a key is routed to. */
  shardOf(key: string): number;
}

/**
 * The Durable Object class behind DurableObjectReplayStore: export it from
 * your Worker and bind it (wrangler.toml `durable_objects.bindings`).
 * Keeps each key with its expiry in `ctx.storage`; an alarm deletes expired keys.
 */
export class ReplayGuard {
  constructor(ctx: any, env: unknown);
  fetch(request: Request): Promise<Response>;
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  alarm(): Promise<void>;
}

export interface DedupeOptions {
  store: ReplayStore;
  /** How long a delivery is remembered. Default: 2 × toleranceSeconds when a window is set, else 86,400 (a day). */
  ttlSeconds?: number;
  /**
   * When the store throws (its database is down): `false` (default) rejects
   * with the store's error, so the receiver answers 5xx and Promptfoo, which
   * does not retry, records a failed delivery; `true` or a function (called
   * with the error) accepts the delivery unchecked, so a repeat may pass.
   */
  failOpen?: boolean | ((error: unknown) => void);
}

export interface WebhookOptions extends VerifyOptions {
  /** De-duplicate deliveries in `verifyOnce` (and `verifyRequest`): a repeat fails with `duplicate_delivery`. */
  dedupe?: DedupeOptions;
}

/** Keys prepared once: verify many deliveries. */
export class Webhook {
  constructor(secret: Secrets, options?: WebhookOptions);
  verify(body: RawBody | object, signature: string | null | undefined): VerifiedEvent;
  /**
   * Verifies, then claims the delivery in the dedupe store (only deliveries
   * that verified are claimed). Rejects with `duplicate_delivery` for a
   * repeat; a store that throws rejects with the store's own error.
   */
  verifyOnce(body: RawBody | object, signature: string | null | undefined): Promise<VerifiedEvent>;
  /** Reads a Fetch API Request body (bounded by maxBodyBytes) and verifies it; with `dedupe`, as verifyOnce. */
  verifyRequest(request: Request): Promise<VerifiedEvent>;
  /** Frees the prepared keys now rather than at garbage collection. */
  dispose(): void;
}

export const SIGNATURE_HEADER: 'X-Promptfoo-Signature';

/** A payload as `JSON.stringify` prints it, with the headers to POST it. */
export function signPayload(
  payload: WebhookEvent | string,
  secret: Secrets,
): { body: string; headers: { 'Content-Type': 'application/json'; 'X-Promptfoo-Signature': string } };

export interface IssueChangeOptions {
  /** Who made the change; sent as `data.userId` on `issue.updated`. */
  userId?: string;
  /** ISO 8601; defaults to now. */
  timestamp?: string;
}

/** The one event Promptfoo sends for this change, or `null` when nothing it reports changed. */
export function issueChangeEvent(
  before: Issue,
  after: Issue,
  options?: IssueChangeOptions,
): IssueStatusChangedEvent | IssueSeverityChangedEvent | IssueUpdatedEvent | null;

/** 64 hex characters from the platform's CSPRNG. */
export function generateSecret(): string;

export interface WebhookConfig {
  url: string;
  name: string;
  events: KnownEventName[];
  teamId?: string;
  enabled: boolean;
}

export type WebhookConfigValidation =
  | { ok: true; config: WebhookConfig }
  | { ok: false; problems: Array<{ path: string; message: string }> };

/** Checks a configuration for the management API, reporting every problem at once. */
export function validateWebhookConfig(config: unknown): WebhookConfigValidation;

// ---------------------------------------------------------------- route and serve

/** Any event name: the known ones autocomplete; others (added later by Promptfoo) are allowed. */
export type EventName = KnownEventName | (string & {});

/** The event type for a name (or a union of names): a known event, or `UnknownEvent`. */
export type EventFor<Name extends string> = Name extends KnownEventName
  ? Extract<KnownEvent, { event: Name }>
  : UnknownEvent;

/** Handlers may be async; the router awaits them. */
export type EventHandler<E> = (event: E) => unknown;

/** Narrows which events of the listened names reach a handler. Both given: both must match. */
export interface EventFilter {
  /** `data.issue.severity` is one of these. Events without an issue never match. */
  severity?: Severity | readonly Severity[];
  /** One of `data.eventData.changes` equals a string or matches a RegExp, e.g. `'status changed to fixed'`. */
  change?: string | RegExp | ReadonlyArray<string | RegExp>;
}

/** A secret, or a function that reads it from a Worker's `env` (called once, on first use). */
export type SecretSource<Env = any> = Secrets | ((env: Env) => Secrets);

export interface WebhooksOptions<Env = any> extends VerifyOptions {
  secret: SecretSource<Env>;
}

/** One or more handlers failed for an accepted event. `errors` holds what each threw. */
export class WebhookHandlerError extends AggregateError {
  readonly name: 'WebhookHandlerError';
  /** The event the handlers were given. */
  readonly event: WebhookEvent;
}

/** Verifies deliveries, then routes the typed events to handlers. */
export class Webhooks<Env = any> {
  constructor(options: WebhooksOptions<Env>);
  /** Handlers for one event name, or several; `event` is narrowed to those names. */
  on<Name extends EventName>(
    name: Name | readonly Name[],
    handler: EventHandler<EventFor<Name>>,
    filter?: EventFilter,
  ): this;
  /** Every event, unknown names included. */
  onAny(handler: EventHandler<WebhookEvent>): this;
  /** Called with a `WebhookHandlerError` when handlers fail (before `receive` rethrows it). */
  onError(handler: (error: WebhookHandlerError) => unknown): this;
  /** Verifies only (no handlers run). `env` feeds a secret function. */
  verify(body: RawBody | object, signature: string | null | undefined, env?: Env): VerifiedEvent;
  /** Verifies a Fetch API Request with a bounded read (no handlers run). */
  verifyRequest(request: Request, env?: Env): Promise<VerifiedEvent>;
  /**
   * Verifies, then runs the matching handlers and awaits them. Throws
   * `WebhookVerificationError` (no handler runs) or `WebhookHandlerError`.
   */
  verifyAndReceive(delivery: {
    body: RawBody | object;
    signature: string | null | undefined;
    env?: Env;
  }): Promise<VerifiedEvent>;
  /** Routes an already verified event. */
  receive(event: WebhookEvent): Promise<void>;
}

/** The HTTP status the adapters answer for each error code. */
export const STATUS_BY_CODE: Readonly<Partial<Record<ErrorCode, number>>>;

/** Options of `createNodeMiddleware` and `createFetchHandler`. */
export interface AdapterOptions {
  /** Handle only this pathname (query ignored); elsewhere call `next()`, or answer 404. */
  path?: string;
  /**
   * Called with failures the HTTP answer does not report: handler errors
   * after a delivery was accepted (the answer stays 200), and receiver set-up
   * errors (5xx). Without it, errors nobody listens for go to `console.error`.
   */
  onError?: (error: unknown, event: WebhookEvent | undefined) => unknown;
}

/** With a secret: the verify options, plus `onEvent` for every verified event. */
export interface AdapterSecretOptions extends AdapterOptions, VerifyOptions {
  onEvent?: EventHandler<VerifiedEvent>;
}

/** The parts of Node's `IncomingMessage` the middleware uses (Express's `req` included). */
export interface NodeRequestLike {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  /** Set by a body parser that ran first. */
  body?: unknown;
  readableEnded: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** The parts of Node's `ServerResponse` the middleware uses. */
export interface NodeResponseLike {
  readonly headersSent: boolean;
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  end(body?: string): unknown;
}

/** `(req, res, next?)`: answers itself; resolves when the answer is sent. */
export type NodeMiddleware = (req: NodeRequestLike, res: NodeResponseLike, next?: (error?: unknown) => void) => Promise<void>;

/** Node `http` / Express middleware; the secret function gets `process.env`. */
export function createNodeMiddleware(webhooks: Webhooks, options?: AdapterOptions): NodeMiddleware;
export function createNodeMiddleware(secret: SecretSource<Record<string, string | undefined>>, options?: AdapterSecretOptions): NodeMiddleware;

/** What Workers pass as the third argument; with `waitUntil`, handlers run after the 200. */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

/** The parts of a Hono `Context` the handler uses when given one instead of a Request. */
export interface HonoContextLike {
  req: { raw: Request };
  env: any;
  readonly executionCtx: ExecutionContextLike;
}

export type FetchHandler<Env = any> = (
  request: Request | HonoContextLike,
  env?: Env,
  ctx?: ExecutionContextLike | unknown,
) => Promise<Response>;

/** A Fetch API handler for Workers, Hono, Next.js route handlers, Deno.serve and Bun.serve. */
export function createFetchHandler<Env = any>(webhooks: Webhooks<Env>, options?: AdapterOptions): FetchHandler<Env>;
export function createFetchHandler<Env = any>(secret: SecretSource<Env>, options?: AdapterSecretOptions): FetchHandler<Env>;
