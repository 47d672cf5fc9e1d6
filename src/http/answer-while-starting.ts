import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The listener is bound before the stores are opened (so a taken port stops
 * startup at once, and PORT=0 learns its port); until the application is
 * assembled a request is answered 503 with Retry-After (RFC 9110 §15.6.4)
 * instead of waiting on a socket nobody would ever answer.
 */
export function answerWhileStarting(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { 'Retry-After': '1', 'Cache-Control': 'no-store', 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  res.end('starting\n');
}
