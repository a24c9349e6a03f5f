// The shared replay stores' option shapes: a client needs its flavor, a raw
// command excludes a client, and dedupe.failOpen is a boolean or a callback.
import { DurableObjectReplayStore, RedisReplayStore, ReplayGuard, Webhook, type ReplayStore } from 'promptfoo-webhooks';

declare const client: { set(...args: unknown[]): Promise<string | null> };

const redis: ReplayStore = new RedisReplayStore({ client, flavor: 'node-redis', prefix: 'pf:', timeoutMs: 500 });
new RedisReplayStore({ client, flavor: 'ioredis' });
new RedisReplayStore({ command: (args: string[]) => client.set(...args) });
const fresh: Promise<boolean> = new RedisReplayStore({ client, flavor: 'ioredis' }).claim('k', 60);
void fresh;

// @ts-expect-error a client without its flavor
new RedisReplayStore({ client });
// @ts-expect-error an unknown flavor
new RedisReplayStore({ client, flavor: 'jedis' });
// @ts-expect-error a command and a client at once
new RedisReplayStore({ command: () => 'OK', client, flavor: 'ioredis' });

new Webhook('secret-0123456789abcdef', { dedupe: { store: redis, failOpen: true } });
new Webhook('secret-0123456789abcdef', { dedupe: { store: redis, failOpen: (error: unknown) => console.error(error) } });
// @ts-expect-error failOpen is a boolean or a function
new Webhook('secret-0123456789abcdef', { dedupe: { store: redis, failOpen: 'yes' } });

declare const env: { REPLAY: { idFromName(name: string): object; get(id: object): { fetch(input: string, init?: RequestInit): Promise<Response> } } };
const durable: ReplayStore = new DurableObjectReplayStore(env.REPLAY, { shards: 4 });
void durable;
// @ts-expect-error not a namespace
new DurableObjectReplayStore({});
export { ReplayGuard };
