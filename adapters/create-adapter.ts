import type { RedisClient } from '../src/redis/redis-client.js';
import type { Kysely } from 'kysely';
import Provider from 'oidc-provider';
import type { Database } from '../src/db/schema.js';
import type { AdapterFactory, ClientSecretCodec, OidcAdapter } from './adapter-types.js';
import type { ClientRowCache } from './client-row-cache.js';
import { createKyselyAdapterFactory } from './kysely-adapter.js';
import { createRedisAdapterFactory } from './redis-adapter.js';
import { clientReuseLeeway } from './refresh-reuse-leeway.js';
import { storeFor } from './store-routing.js';
import { timedAdapter, type AdapterTimer } from './timed-adapter.js';

export interface AdapterFactoryDeps {
  db: Kysely<Database>;
  /** Absent when REDIS_URL is unset: every model then lives in SQL. */
  redis: RedisClient | undefined;
  keyPrefix: string;
  secrets: ClientSecretCodec;
  /** Client rows kept between requests; only with a listener evicting changes (client-change-listener.ts). */
  clientCache?: ClientRowCache;
  /** Receives the duration of every adapter call (metrics). */
  observe?: AdapterTimer;
}

/** The `adapter` option for oidc-provider: each model routed to its store (store-routing.ts). */
export function createAdapterFactory({ db, redis, keyPrefix, secrets, clientCache, observe }: AdapterFactoryDeps): AdapterFactory {
  // oidc-provider keeps the request being served in AsyncLocalStorage
  // (lib/helpers/als.js, read through the static Provider.ctx getter); the
  // Client adapter remembers lookups for that request only, and a refresh
  // token takes the reuse leeway of that request's client.
  const currentRequest = () => (Provider as unknown as { ctx?: { oidc?: { client?: object } } }).ctx;
  const reuseLeeway = clientReuseLeeway(currentRequest);
  const sqlAdapters = createKyselyAdapterFactory(db, secrets, currentRequest, clientCache, reuseLeeway);
  const redisAdapters = redis ? createRedisAdapterFactory(redis, keyPrefix, reuseLeeway) : undefined;
  const cache = new Map<string, OidcAdapter>();
  return (modelName) => {
    let adapter = cache.get(modelName);
    if (!adapter) {
      const store = storeFor(modelName, redisAdapters !== undefined);
      adapter = store === 'redis' && redisAdapters ? redisAdapters(modelName) : sqlAdapters(modelName);
      if (observe) adapter = timedAdapter(adapter, modelName, store, observe);
      cache.set(modelName, adapter);
    }
    return adapter;
  };
}
