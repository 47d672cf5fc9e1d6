import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/load-config.js';
import type { DatabaseHandle } from './database-handle.js';
import { EMBEDDED_SOCKET_PORT, embeddedSocketDir } from './embedded-socket-location.js';
import type { Database } from './schema.js';
import { PG_TYPES } from './pg-types.js';

// Nothing listens on the socket: no server is serving this data folder (it is
// held by another CLI command, or a server still starting or already gone).
const NOT_SERVED = new Set(['ENOENT', 'ECONNREFUSED']);

/**
 * Opens the embedded database through the server that holds it, over the
 * socket the server serves in DATA_DIR (embedded-socket-server.ts), with the
 * ordinary Postgres driver. Resolves undefined when no server serves it.
 *
 * One connection (the server runs one session; see embedded-socket-connection.ts);
 * close() ends it, and the command's work is the server's at once.
 */
export async function joinEmbeddedServer(config: Config): Promise<DatabaseHandle | undefined> {
  const pool = new pg.Pool({
    host: embeddedSocketDir(config.dataDir),
    port: EMBEDDED_SOCKET_PORT,
    user: 'postgres',
    database: 'postgres',
    max: 1,
    types: PG_TYPES,
    // The server may be busy with a request's transaction; it answers in turn.
    connectionTimeoutMillis: 30_000,
  });
  pool.on('error', () => {});
  // The server stopping cuts the connection: the query in flight rejects with
  // a readable error; the client's own 'error' event must not crash the CLI.
  pool.on('connect', (client) => { client.on('error', () => {}); });
  let schema: string | null | undefined;
  try {
    ({ rows: [{ schema }] } = await pool.query<{ schema: string | null }>('select current_schema() as schema'));
  } catch (err) {
    await pool.end().catch(() => {});
    if (NOT_SERVED.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw err;
  }
  // The server set its session's search_path to its DATABASE_SCHEMA; a CLI
  // configured for another schema must not write into the server's.
  if (schema !== config.database.schema) {
    await pool.end().catch(() => {});
    throw new Error(`the server running on ${config.dataDir} uses DATABASE_SCHEMA=${schema ?? '(none)'}, this command ${config.database.schema}`);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'pglite',
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  };
}
