import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';

// Why idle keep-alive connections are not closed at once: a client may be
// sending a request on one at this very moment, and closing it would reset
// that request (RFC 9112 §9.3.1 lets clients retry only idempotent requests;
// fetch/undici and nginx do not retry a POST /token). So an idle connection
// stays open until its next request, answered with `Connection: close`, or
// until the deadline.
/** drained: every connection ended; idle-closed: only idle keep-alive connections were left at the deadline; requests-cut: requests were still running. */
export type DrainOutcome = 'drained' | 'idle-closed' | 'requests-cut';

export interface ConnectionDrainer {
  /**
   * Stops accepting connections, lets in-flight requests finish with
   * `Connection: close` (RFC 9112 §9.6) so each keep-alive connection ends
   * after its current (or next) request, and resolves when none is left or
   * the deadline closed the rest.
   */
  drain(deadlineMs: number): Promise<DrainOutcome>;
}

/** Tracks the server's sockets and requests from now on; call before listen(). */
export function trackConnections(server: Server): ConnectionDrainer {
  const sockets = new Set<Socket>();
  const inFlight = new Set<ServerResponse>();
  let draining = false;

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Prepended: runs before the application sees the request, so the header
  // is in place before any response is written.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    if (draining) res.setHeader('Connection', 'close');
    res.once('close', () => inFlight.delete(res));
  });

  return {
    drain(deadlineMs) {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      return new Promise<DrainOutcome>((resolve) => {
        let outcome: DrainOutcome = 'drained';
        const deadline = setTimeout(() => {
          outcome = inFlight.size > 0 ? 'requests-cut' : 'idle-closed';
          for (const socket of sockets) socket.destroy();
        }, deadlineMs);
        // net.Server's close, not http.Server's: the latter (Node ≥ 19) first
        // closes every idle keep-alive connection at once (see above).
        net.Server.prototype.close.call(server, () => {
          clearTimeout(deadline);
          resolve(outcome);
        });
      });
    },
  };
}
