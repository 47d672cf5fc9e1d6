import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { RedisClient } from '../../src/redis/redis-client.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { createDb, type DatabaseHandle } from '../../src/db/create-db.js';
import { migrateToLatest, withDdlLock } from '../../src/db/migrate.js';
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
      if (kind !== 'pglite') {
        await withDdlLock(handle.db, (connection) => sql`drop schema if exists ${sql.id(name)} cascade`.execute(connection));
      }
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

/**
 * The tables of this file's own schema with their columns, read from
 * information_schema for that schema only (Kysely's introspection reads every
 * schema of the database, which other test files create and drop meanwhile).
 */
export async function describeOwnTables(stores: TestStores): Promise<Record<string, string[]>> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = ${stores.config.database.schema} order by table_name, column_name`.execute(stores.handle.db);
  const tables: Record<string, string[]> = {};
  for (const row of rows) (tables[row.table_name] ??= []).push(row.column_name);
  return tables;
}
