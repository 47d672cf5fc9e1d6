import { once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestProxy {
  readonly origin: string;
  readonly port: number;
  /** 'round-robin', or the index of the upstream every request goes to. */
  target: 'round-robin' | number;
  /** How many requests each upstream received. */
  readonly served: number[];
  close(): Promise<void>;
}

/**
 * A tiny reverse proxy on 127.0.0.1 in front of several server processes,
 * standing in for nginx: it adds X-Forwarded-Proto/Host/For the way a real
 * proxy does, and lets a test pin requests to one upstream.
 */
export async function startTestProxy(upstreamPorts: number[], port = 0): Promise<TestProxy> {
  const agent = new Agent({ keepAlive: true });
  let next = 0;
  const state: TestProxy = {
    origin: '',
    port: 0,
    target: 'round-robin',
    served: upstreamPorts.map(() => 0),
    close: async () => {},
  };
  const pick = () => {
    if (state.target !== 'round-robin') return state.target;
    next = (next + 1) % upstreamPorts.length;
    return next;
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    const index = pick();
    state.served[index] += 1;
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = request({
      agent, host: '127.0.0.1', port: upstreamPorts[index], method: req.method, path: req.url,
      headers: { ...req.headers, 'x-forwarded-proto': 'http', 'x-forwarded-host': req.headers.host ?? '', 'x-forwarded-for': forwardedFor },
    }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway\n');
    });
    req.pipe(upstream);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const { port: actual } = server.address() as AddressInfo;
  return Object.assign(state, {
    origin: `http://127.0.0.1:${actual}`,
    port: actual,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => { server.close(() => resolve()); });
    },
  });
}
