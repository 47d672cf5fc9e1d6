import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CALLBACK_PATH = '/callback';

export interface LoopbackCallback {
  /** http://127.0.0.1:<port>/callback: the port is whatever was bound (RFC 8252 §7.3 lets it vary). */
  readonly redirectUri: string;
  /**
   * The query of the first request to /callback. `answer` writes the page the
   * browser shows, then the listener closes. Rejects after `timeoutMs`.
   */
  readonly received: Promise<{ params: URLSearchParams; answer(title: string, text: string): void }>;
  close(): void;
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const escape = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
  res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body style="font-family: system-ui, sans-serif; margin: 3rem auto; max-width: 32rem"><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`);
}

/**
 * A native app's loopback redirect (RFC 8252 §7.3): listens on 127.0.0.1
 * only, takes one callback, and gives up after a bounded time, so a command
 * waiting for a browser always ends by itself.
 */
export async function listenForCallback({ port, timeoutMs }: { port: number; timeoutMs: number }): Promise<LoopbackCallback> {
  const server = createServer();
  let timer: NodeJS.Timeout | undefined;
  const close = () => {
    clearTimeout(timer);
    server.close();
    server.closeAllConnections();
  };
  const received = new Promise<{ params: URLSearchParams; answer(title: string, text: string): void }>((resolve, reject) => {
    timer = setTimeout(() => {
      close();
      reject(new Error(`no sign-in came back within ${Math.round(timeoutMs / 1000)} seconds`));
    }, timeoutMs);
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
        page(res, 404, 'Not found', 'This address only receives the sign-in callback.');
        return;
      }
      clearTimeout(timer);
      resolve({
        params: url.searchParams,
        answer: (title, text) => {
          page(res, 200, title, text);
          close();
        },
      });
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  return { redirectUri: `http://127.0.0.1:${bound}${CALLBACK_PATH}`, received, close };
}
