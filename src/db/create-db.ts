import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/load-config.js';
import { lockDataDir } from './data-dir-lock.js';
import { createPGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: 'postgres' | 'pglite';
  /** Pool statistics for metrics; zeros on the embedded database. */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

// Timestamps come back as Date, bigint counts as numbers small enough for JS.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

function createPostgres(config: Config): DatabaseHandle {
  const { url, schema, poolSize, statementTimeoutMs } = config.database;
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // search_path pins every unqualified table name to the configured schema,
    // so one database can hold several independent installations (and tests).
    options: `-c search_path=${schema} -c statement_timeout=${statementTimeoutMs}`,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // A dropped connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // pg-pool listens for errors only on idle clients; a checked-out client whose
  // connection dies (pg_terminate_backend, a network cut) would emit an
  // unhandled 'error' and crash the process. Its pending query still rejects,
  // the request answers 503 (http/store-outage.ts) and the pool discards it.
  pool.on('connect', (client) => { client.on('error', () => {}); });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'postgres',
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  };
}

async function createEmbedded(config: Config): Promise<DatabaseHandle> {
  const dataDir = path.join(config.dataDir, 'pglite');
  await mkdir(dataDir, { recursive: true });
  const release = await lockDataDir(dataDir);
  let client: PGlite;
  try {
    client = await PGlite.create({ dataDir });
  } catch (err) {
    await release();
    throw err;
  }
  if (config.database.schema !== 'public') {
    await client.exec(`create schema if not exists ${config.database.schema}; set search_path to ${config.database.schema}`);
  }
  const db = new Kysely<Database>({ dialect: createPGliteDialect(client) });
  return {
    db,
    kind: 'pglite',
    poolStats: () => ({ total: 1, idle: 0, waiting: 0 }),
    close: async () => { await db.destroy(); await release(); },
  };
}

/** Postgres when DATABASE_URL is set, otherwise PGlite stored in DATA_DIR. */
export async function createDb(config: Config): Promise<DatabaseHandle> {
  return config.database.url ? createPostgres(config) : createEmbedded(config);
}
