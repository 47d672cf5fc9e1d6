import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/load-config.js';
import { createServerApp, type ServerApp } from '../../src/compose/create-server-app.js';
import { createLogger } from '../../src/observability/logger.js';
import { addTestClient } from '../support/test-server.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { LogSink } from '../support/log-sink.js';

const SECRET = 'service-secret-0123456789-0123456789-abcdef';

async function startWithLogger(stores: TestStores, level: string, sink: LogSink): Promise<{ issuer: string; server: Server; app: ServerApp }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const config = loadConfig({ ...stores.env, LOG_LEVEL: level, ISSUER: issuer, PORT: String(port) });
  const logger = createLogger({ level: config.logLevel, destination: sink });
  const app = await createServerApp({ config, database: stores.handle, redis: stores.redis, logger });
  server.on('request', app.callback());
  return { issuer, server, app };
}

async function stop({ server, app }: { server: Server; app: ServerApp }): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => { server.close(() => resolve()); });
  await app.close();
}

describe('structured request logs', () => {
  let stores: TestStores;
  const sink = new LogSink();
  let issuer: string;
  let running: { server: Server; app: ServerApp };

  beforeAll(async () => {
    stores = await createTestStores('request_log');
    await addTestClient(stores, { client_id: 'service', client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    const started = await startWithLogger(stores, 'info', sink);
    running = started;
    issuer = started.issuer;
  });
  afterAll(async () => {
    await stop(running);
    await stores.cleanup();
  });

  it('writes one JSON line per request with method, route, status, duration, request id and client_id', async () => {
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`service:${SECRET}`).toString('base64')}`,
        'x-request-id': 'req-token-1',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token: accessToken } = await response.json() as { access_token: string };
    expect(response.headers.get('x-request-id')).toBe('req-token-1');

    const lines = sink.lines.filter((line) => line.requestId === 'req-token-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'request', method: 'POST', route: 'token', status: 200, clientId: 'service' });
    expect(lines[0].durationMs).toEqual(expect.any(Number));
    expect(sink.raw.join('\n')).not.toContain(accessToken);
    expect(sink.raw.join('\n')).not.toContain(SECRET);
  });

  it('never logs the query string of /auth nor the body of /token', async () => {
    const code = 'code-value-that-must-not-be-logged';
    await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'req-token-2' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: 'service', client_secret: SECRET, code_verifier: 'verifier-that-must-not-be-logged' }),
    });
    await fetch(`${issuer}/auth?client_id=service&response_type=code&state=state-that-must-not-be-logged&login_hint=someone%40example.com`, { headers: { 'x-request-id': 'req-auth-1' } });

    const all = sink.raw.join('\n');
    for (const secret of [code, SECRET, 'verifier-that-must-not-be-logged', 'state-that-must-not-be-logged', 'someone@example.com', 'someone%40example.com']) {
      expect(all).not.toContain(secret);
    }
    expect(sink.lines.find((line) => line.requestId === 'req-auth-1')).toMatchObject({ route: 'authorization', method: 'GET' });
    // 401: the client is registered for client_secret_basic, and this request sends its secret in the body.
    expect(sink.lines.find((line) => line.requestId === 'req-token-2')).toMatchObject({ route: 'token', status: 401 });
  });

  it('generates a request id when none (or a malformed one) is sent, and returns it', async () => {
    const response = await fetch(`${issuer}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sink.lines.find((line) => line.requestId === id)).toMatchObject({ route: '/healthz', status: 200 });
  });

  it('follows LOG_LEVEL: at warn, successful requests write nothing', async () => {
    const quiet = new LogSink();
    const other = await startWithLogger(stores, 'warn', quiet);
    try {
      expect((await fetch(`${other.issuer}/healthz`)).status).toBe(200);
      expect(quiet.lines).toHaveLength(0);
    } finally {
      await stop(other);
    }
  });
});
