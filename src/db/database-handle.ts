import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  /** 'pglite' for the embedded database, whether opened here or reached through the server serving it. */
  readonly kind: 'postgres' | 'pglite';
  /** Pool statistics for metrics; zeros on the embedded database. */
  poolStats(): { total: number; idle: number; waiting: number };
  /**
   * Only on an embedded database this process opened: serve it to local
   * clients (the CLI) over a socket in DATA_DIR until close(). Resolves with
   * the socket's path.
   */
  serveLocalClients?(): Promise<string>;
  close(): Promise<void>;
}
