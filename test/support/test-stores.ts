import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { RedisClient } from '../../src/redis/redis-client.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { createDb, type DatabaseHandle } from '../../src/db/create-db.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL, uniqueName } from './test-env.js';

export type StoreKind = 'postgres' | 'postgres+redis' | 'pglite';

export interface TestStores {
  readonly config: Config;
  readonly env: Record<string, string>;
  readonly handle: DatabaseHandle;
  readonly redis: RedisClient | undefined;
  /** Drops the schema, the Redis keys and the data folder this file created. */
  cleanup(): Promise<void>;
  /** Closes the connections and opens new ones on the same schema, prefix and data folder (a process restart). */
  reopen(): Promise<TestStores>;
}

/**
 * A fresh, migrated schema (and Redis key prefix) for one test file, so files
 * run in parallel and leave nothing behind.
 */
export async function createTestStores(label: string, kind: StoreKind = 'postgres+redis', extraEnv: Record<string, string> = {}): Promise<TestStores> {
  const name = uniqueName(label);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `${name}-`));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    DATABASE_SCHEMA: name,
    REDIS_KEY_PREFIX: `${name}:`,
    BCRYPT_COST: '4',
    ...(kind === 'pglite' ? {} : { DATABASE_URL: TEST_DATABASE_URL }),
    ...(kind === 'postgres+redis' ? { REDIS_URL: TEST_REDIS_URL } : {}),
    ...extraEnv,
  };
  const config = loadConfig(env);
  const handle = await createDb(config);
  await migrateToLatest(handle.db, config.database.schema);
  return openStores(name, kind, env, config, handle, dataDir);
}

function openStores(name: string, kind: StoreKind, env: Record<string, string>, config: Config, handle: DatabaseHandle, dataDir: string): TestStores {
  const redis = createRedis(config);
  return {
    config,
    env,
    handle,
    redis,
    async cleanup() {
      if (redis) {
        await deleteKeys(redis, `${name}:*`);
        redis.disconnect();
      }
      if (kind !== 'pglite') await sql`drop schema if exists ${sql.id(name)} cascade`.execute(handle.db);
      await handle.close();
      await rm(dataDir, { recursive: true, force: true });
    },
    async reopen() {
      redis?.disconnect();
      await handle.close();
      return openStores(name, kind, env, config, await createDb(config), dataDir);
    },
  };
}

export async function deleteKeys(redis: RedisClient, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
