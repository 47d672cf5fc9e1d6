import { chmod, mkdir, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { EmbeddedSocketConnection, type SharedSession } from './embedded-socket-connection.js';

/**
 * Serves the embedded database of a running server to local clients (the
 * CLI) over a Unix socket in DATA_DIR, speaking the PostgreSQL protocol, so
 * `npm run cli -- users create …` works while the server runs and the server
 * sees the change at once: there is still only one process, and one PGlite,
 * on the data folder.
 *
 * Hand-written rather than taken from @electric-sql/pglite-socket: that server
 * serialises its socket clients per protocol message, not against the host
 * process's own queries, so the server's queries could land inside a CLI
 * transaction or between its Parse and Sync; and its releases pin an exact
 * @electric-sql/pglite version (0.2.18 → 0.5.15, with seven extension
 * packages as exact peers) that conflicts with ours. Here every user of the
 * session takes turns through one SessionQueue (embedded-socket-connection.ts).
 *
 * Local only: the socket lives in a directory only the owner may enter, and
 * is itself 0600. Authentication is the file system's: whoever may open the
 * socket may also open DATA_DIR.
 */
export interface EmbeddedSocketServer {
  readonly path: string;
  /** Stops accepting, disconnects clients (rolling back what they left open) and removes the socket. */
  close(): Promise<void>;
}

// sockaddr_un.sun_path holds 108 bytes on Linux (104 on macOS), the last one NUL.
const MAX_SOCKET_PATH_BYTES = 103;

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Starts serving. Call only while holding the data folder's lock: a socket
 * file left by a killed server is removed first, which is safe only because
 * no other process may be serving this folder.
 */
export async function serveEmbeddedDatabase(session: SharedSession, socketPath: string, options: { holdLimitMs?: number } = {}): Promise<EmbeddedSocketServer> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`the socket path ${socketPath} is longer than a Unix socket allows (${MAX_SOCKET_PATH_BYTES} bytes): use a shorter DATA_DIR`);
  }
  const directory = path.dirname(socketPath);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700);
  await unlink(socketPath).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err; });

  const connections = new Set<EmbeddedSocketConnection>();
  const server = createServer((socket) => {
    const connection = new EmbeddedSocketConnection(socket, session, options.holdLimitMs ?? 30_000);
    connections.add(connection);
    void connection.done.then(() => connections.delete(connection));
  });
  await listen(server, socketPath);
  await chmod(socketPath, 0o600);
  return {
    path: socketPath,
    async close() {
      const closed = new Promise<void>((resolve) => { server.close(() => resolve()); });
      for (const connection of connections) connection.destroy();
      await Promise.all([...connections].map((connection) => connection.done));
      await closed;
      await unlink(socketPath).catch(() => {});
    },
  };
}
