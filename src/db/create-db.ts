import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/load-config.js';
import type { DatabaseHandle } from './database-handle.js';
import { PG_TYPES } from './pg-types.js';
import type { Database } from './schema.js';

export type { DatabaseHandle } from './database-handle.js';

export interface CreateDbOptions {
  /**
   * The CLI: on the embedded database, when a running server holds DATA_DIR,
   * work through the socket it serves instead of refusing. Nothing else sets
   * it, so a second server (or any other opener) refuses with one line.
   */
  joinRunningServer?: boolean;
}

function createPostgres(config: Config): DatabaseHandle {
  const { url, schema, poolSize, statementTimeoutMs } = config.database;
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: PG_TYPES,
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

/**
 * Postgres when DATABASE_URL is set, otherwise PGlite stored in DATA_DIR.
 * PGlite is loaded only when used: an installation on Postgres never pays
 * for compiling its WebAssembly build at start.
 */
export async function createDb(config: Config, options: CreateDbOptions = {}): Promise<DatabaseHandle> {
  if (config.database.url) return createPostgres(config);
  const { createEmbeddedDb } = await import('./create-embedded-db.js');
  return createEmbeddedDb(config, options.joinRunningServer === true);
}
