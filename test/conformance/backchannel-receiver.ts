import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BackchannelRequest {
  readonly method: string;
  readonly contentType: string | undefined;
  readonly body: URLSearchParams;
}

/**
 * The relying party's backchannel_logout_uri on 127.0.0.1 (Back-Channel
 * Logout 1.0 §2.5): records each request and answers 200 with
 * Cache-Control: no-store, as the suite's receiver does (§2.8).
 */
export interface BackchannelReceiver {
  readonly uri: string;
  readonly requests: BackchannelRequest[];
  close(): Promise<void>;
}

export async function startBackchannelReceiver(): Promise<BackchannelReceiver> {
  const requests: BackchannelRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => { chunks.push(chunk); });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', contentType: req.headers['content-type'], body: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200, { 'cache-control': 'no-store' });
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/backchannel_logout`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => { server.close(() => resolve()); });
    },
  };
}
