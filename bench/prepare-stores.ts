import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createAccountService } from '../src/accounts/account-service.js';
import { hashClientSecret } from '../src/clients/client-secret.js';
import { upsertClientRow } from '../src/clients/clients-repository.js';
import { loadConfig } from '../src/config/load-config.js';
import { createDb, type DatabaseHandle } from '../src/db/create-db.js';
import { migrateToLatest, withDdlLock } from '../src/db/migrate.js';
import { loadSigningKeys, type PrivateJwk } from '../src/oidc/keys/load-signing-keys.js';
import { createSecretBox } from '../src/oidc/keys/secret-box.js';
import { insertSigningKey } from '../src/oidc/keys/signing-keys-repository.js';
import { createRedis } from '../src/redis/create-redis.js';
import { BENCH_TTL, BENCH_USER, benchClients } from './bench-fixtures.js';

const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The Postgres the benchmarks use (BENCH_DATABASE_URL, else the test database). */
export function benchDatabaseUrl(): string {
  return BENCH_DATABASE_URL;
}
const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export interface PreparedStore {
  /** Environment for a server child (src/main.ts) on this store. */
  env: Record<string, string>;
  /** Drops the schema and Redis keys, or the data folder. */
  cleanup(): Promise<void>;
}

const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi']);

function publicPart(jwk: PrivateJwk): Record<string, unknown> {
  return Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_MEMBERS.has(name)));
}

async function seed(handle: DatabaseHandle, keys: PrivateJwk[] | undefined): Promise<PrivateJwk[]> {
  const { db } = handle;
  // Cost 4 keeps minting sessions quick; no measured scenario verifies a password.
  await createAccountService({ db, bcryptCost: 4 }).createUser({ ...BENCH_USER, email: BENCH_USER.username });
  for (const { client_id: clientId, client_secret: secret, ...metadata } of benchClients()) {
    await upsertClientRow(db, { clientId, metadata, secretHash: secret ? await hashClientSecret(secret) : null, source: 'cli' });
  }
  for (const key of keys ?? []) {
    await insertSigningKey(db, { kid: key.kid, alg: key.alg, publicJwk: publicPart(key), privateJwk: JSON.stringify(key), encrypted: false });
  }
  return loadSigningKeys(db, createSecretBox(undefined));
}

function baseEnv(name: string, dataDir: string, logLevel: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: logLevel,
    DATA_DIR: dataDir,
    DATABASE_SCHEMA: name,
    // Production requires explicit cookie keys; fixed per run.
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    AUTHORIZATION_CODE_TTL: String(BENCH_TTL.authorizationCode),
    DEVICE_CODE_TTL: String(BENCH_TTL.deviceCode),
    ACCESS_TOKEN_TTL: String(BENCH_TTL.accessToken),
    ...unreachableRateLimits(),
  };
}

/**
 * The shipped defaults, except that the request ceilings which are on by
 * default (device authorization, registration and login per address) are
 * raised beyond what one load generator on one IP mints. The token and
 * introspection ceilings stay off, as shipped (src/http/request-ceilings.ts:
 * a counted request costs a Redis round trip); the failure-counting limits
 * stay on and cost nothing on a successful request.
 */
export function unreachableRateLimits(): Record<string, string> {
  return Object.fromEntries(RAISED_LIMITS.map((name) => [name, String(1_000_000_000)]));
}

const RAISED_LIMITS = ['RATE_LIMIT_DEVICE_AUTHORIZATION_PER_IP', 'RATE_LIMIT_REGISTRATION_PER_IP', 'RATE_LIMIT_LOGIN_PER_IP'];

/** A fresh, migrated, seeded Postgres schema and Redis key prefix: store (a). */
export async function preparePostgresRedis(logLevel: string): Promise<PreparedStore & { keys: PrivateJwk[] }> {
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `${name}-`));
  const env = { ...baseEnv(name, dataDir, logLevel), DATABASE_URL: BENCH_DATABASE_URL, REDIS_URL: BENCH_REDIS_URL, REDIS_KEY_PREFIX: `${name}:` };
  const config = loadConfig(env);
  const handle = await createDb(config);
  await migrateToLatest(handle.db, name);
  const keys = await seed(handle, undefined);
  return {
    env,
    keys,
    async cleanup() {
      const redis = createRedis(config);
      if (redis) {
        let cursor = '0';
        do {
          const [next, found] = await redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
          cursor = next;
          if (found.length) await redis.del(...found);
        } while (cursor !== '0');
        redis.disconnect();
      }
      await withDdlLock(handle.db, (connection) => sql`drop schema if exists ${sql.id(name)} cascade`.execute(connection));
      await handle.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The embedded default (PGlite in a temporary DATA_DIR): store (b). PGlite
 * is single-process, so it is migrated and seeded here and closed before the
 * server child opens it; it gets the same signing keys as (a).
 */
export async function preparePglite(logLevel: string, keys: PrivateJwk[]): Promise<PreparedStore> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench_pglite-'));
  const env = baseEnv('public', dataDir, logLevel);
  const handle = await createDb(loadConfig(env));
  await migrateToLatest(handle.db, 'public');
  await seed(handle, keys);
  await handle.close();
  return { env, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}
