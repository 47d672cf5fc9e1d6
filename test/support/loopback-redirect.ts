import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A relying party's redirect_uri on 127.0.0.1 (RFC 8252 §7.3): answers every
 * request with a small page and remembers the query it was called with.
 */
export interface LoopbackRedirect {
  readonly redirectUri: string;
  readonly calls: URLSearchParams[];
  close(): Promise<void>;
}

export async function startLoopbackRedirect(): Promise<LoopbackRedirect> {
  const calls: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    calls.push(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Callback</title><h1>Back at the app</h1>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/cb`,
    calls,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => { server.close(() => resolve()); });
    },
  };
}

/** A PKCE S256 pair (RFC 7636 §4.1, §4.2). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
