import path from 'node:path';

/**
 * Where a running server serves its embedded database to local clients (the
 * CLI): a Unix socket in a directory of DATA_DIR that only the owner may
 * enter. node-postgres (like libpq) reaches a socket by its directory (`host`)
 * and a port, and connects to `<host>/.s.PGSQL.<port>`; the port is only part
 * of that name.
 */
export const EMBEDDED_SOCKET_PORT = 5432;

export function embeddedSocketDir(dataDir: string): string {
  return path.resolve(dataDir, 'pglite-socket');
}

export function embeddedSocketPath(dataDir: string): string {
  return path.join(embeddedSocketDir(dataDir), `.s.PGSQL.${EMBEDDED_SOCKET_PORT}`);
}
