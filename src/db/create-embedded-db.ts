import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import type { Config } from '../config/load-config.js';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.js';
import type { DatabaseHandle } from './database-handle.js';
import { embeddedSocketPath } from './embedded-socket-location.js';
import { serveEmbeddedDatabase, type EmbeddedSocketServer } from './embedded-socket-server.js';
import { joinEmbeddedServer } from './join-embedded-server.js';
import { createPGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';
import { SessionQueue } from './session-queue.js';

/**
 * PGlite is one process's database: two processes on one data folder write
 * older pages over each other's changes. So exactly one process opens it
 * (data-dir-lock.ts). A running server shares it with the CLI over a local
 * socket; everything else that would open the folder a second time refuses.
 */
async function openEmbedded(config: Config, dataDir: string, release: () => Promise<void>): Promise<DatabaseHandle> {
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
  const queue = new SessionQueue();
  const db = new Kysely<Database>({ dialect: createPGliteDialect(client, queue) });
  let socket: EmbeddedSocketServer | undefined;
  return {
    db,
    kind: 'pglite',
    poolStats: () => ({ total: 1, idle: 0, waiting: 0 }),
    async serveLocalClients() {
      socket ??= await serveEmbeddedDatabase({ client, queue }, embeddedSocketPath(config.dataDir));
      return socket.path;
    },
    async close() {
      // Clients first: what they left open is rolled back while PGlite still runs.
      await socket?.close();
      await db.destroy();
      await release();
    },
  };
}

/**
 * The embedded database in DATA_DIR/pglite. `joinRunningServer` (the CLI):
 * when a running server holds the folder, work through the socket it serves
 * instead of refusing.
 */
export async function createEmbeddedDb(config: Config, joinRunningServer: boolean): Promise<DatabaseHandle> {
  const dataDir = path.join(config.dataDir, 'pglite');
  await mkdir(dataDir, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lockDataDir(dataDir);
  } catch (err) {
    if (!(err instanceof DataDirLockedError) || !joinRunningServer) throw err;
    const joined = await joinEmbeddedServer(config);
    if (!joined) throw err;
    return joined;
  }
  return openEmbedded(config, dataDir, release);
}
