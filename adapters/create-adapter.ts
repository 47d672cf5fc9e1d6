import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Database } from '../src/db/schema.js';
import type { AdapterFactory, ClientSecretCodec, OidcAdapter } from './adapter-types.js';
import { createKyselyAdapterFactory } from './kysely-adapter.js';
import { createRedisAdapterFactory } from './redis-adapter.js';
import { storeFor } from './store-routing.js';

export interface AdapterFactoryDeps {
  db: Kysely<Database>;
  /** Absent when REDIS_URL is unset: every model then lives in SQL. */
  redis: Redis | undefined;
  keyPrefix: string;
  secrets: ClientSecretCodec;
}

/** The `adapter` option for oidc-provider: each model routed to its store (store-routing.ts). */
export function createAdapterFactory({ db, redis, keyPrefix, secrets }: AdapterFactoryDeps): AdapterFactory {
  const sqlAdapters = createKyselyAdapterFactory(db, secrets);
  const redisAdapters = redis ? createRedisAdapterFactory(redis, keyPrefix) : undefined;
  const cache = new Map<string, OidcAdapter>();
  return (modelName) => {
    let adapter = cache.get(modelName);
    if (!adapter) {
      adapter = storeFor(modelName, redisAdapters !== undefined) === 'redis' && redisAdapters
        ? redisAdapters(modelName)
        : sqlAdapters(modelName);
      cache.set(modelName, adapter);
    }
    return adapter;
  };
}
