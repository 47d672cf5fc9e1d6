import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { addTestClient } from '../support/test-server.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { fetchErrorCode, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'service-secret-0123456789-0123456789-abcdef';
const TOTAL = 200;
const CONCURRENCY = 8;

type Outcome = { ok: true; status: number; id: number } | { ok: false; code: string; id: number };

describe('graceful shutdown of the real server process', () => {
  let stores: TestStores;
  const processes: ServerProcess[] = [];

  beforeAll(async () => {
    stores = await createTestStores('graceful_shutdown');
    await addTestClient(stores, { client_id: 'service', client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
  });
  afterAll(async () => {
    for (const process of processes) process.kill();
    await stores.cleanup();
  });

  async function start(extra: Record<string, string> = {}): Promise<{ server: ServerProcess; base: string }> {
    // Idle keep-alive connections (this process's fetch pool keeps some) stay
    // open until the deadline, so a short one keeps the file quick.
    const server = await startServerProcess({ ...stores.env, HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: '2000', ...extra });
    processes.push(server);
    return { server, base: `http://127.0.0.1:${server.port}` };
  }

  /** A POST /token whose body is held back: `100 Continue` proves the server has the request in flight. */
  async function heldTokenRequest(server: ServerProcess, body: string, authorization?: string): Promise<{ socket: Socket; received: () => string }> {
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (chunk: Buffer) => { received += chunk.toString('latin1'); });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(['POST /token HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/x-www-form-urlencoded',
      `Content-Length: ${body.length}`, 'Expect: 100-continue', ...(authorization ? [`Authorization: ${authorization}`] : []), '', ''].join('\r\n'));
    await waitFor('100 Continue', () => received.includes('100 Continue'));
    return { socket, received: () => received };
  }

  it('serves /metrics on METRICS_PORT without a token, and not on the public port', async () => {
    const { server, base } = await start({ METRICS_PORT: '0' });
    const metricsPort = (JSON.parse(server.output().split('\n').find((line) => line.includes('"metrics listening"'))!) as { metricsPort: number }).metricsPort;
    await fetch(`${base}/.well-known/openid-configuration`);
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('oidc_http_requests_total{method="GET",route="discovery",status="200"} 1');
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('finishes in-flight requests under load, then refuses new connections and exits 0', async () => {
    const { server } = await start({ SHUTDOWN_TIMEOUT_MS: '15000' });
    // A keep-alive pool like any HTTP client's; destroyed at the end so its
    // idle connections do not hold the server until the deadline.
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const basic = `Basic ${Buffer.from(`service:${SECRET}`).toString('base64')}`;
    const outcomes: Outcome[] = [];
    let issued = 0;
    let signalled = false;
    const request = (i: number) => new Promise<Outcome>((resolve) => {
      const token = i % 2 === 1;
      const req = httpRequest({
        agent, host: '127.0.0.1', port: server.port, method: token ? 'POST' : 'GET',
        path: token ? '/token' : '/.well-known/openid-configuration',
        headers: { 'x-request-id': `drain-${i}`, ...(token ? { 'content-type': 'application/x-www-form-urlencoded', authorization: basic } : {}) },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0, id: i }));
        res.on('error', (err) => resolve({ ok: false, code: fetchErrorCode(err), id: i }));
      });
      req.on('error', (err) => resolve({ ok: false, code: fetchErrorCode(err), id: i }));
      req.end(token ? 'grant_type=client_credentials' : undefined);
    });
    const worker = async () => {
      while (issued < TOTAL) {
        const i = issued;
        issued += 1;
        // SIGTERM in the middle of the run, while every worker has a request in flight.
        if (i === TOTAL / 2 && !signalled) {
          signalled = true;
          server.child.kill('SIGTERM');
        }
        outcomes.push(await request(i));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    agent.destroy();

    expect(outcomes).toHaveLength(TOTAL);
    const failures = outcomes.filter((outcome): outcome is Extract<Outcome, { ok: false }> => !outcome.ok);
    // After the listener closed, new connections are refused. A connection the
    // kernel had queued but the process never accepted is reset when the
    // listener closes (TCP, not the server): such a request never reached the
    // server, which its log shows. Nothing the server received may fail.
    const seen = new Set([...server.output().matchAll(/"requestId":"drain-(\d+)"/g)].map((match) => Number(match[1])));
    const resets = failures.filter((failure) => failure.code !== 'ECONNREFUSED' && seen.has(failure.id));
    if (resets.length) throw new Error(`${resets.length} requests failed mid-flight (${resets[0].code}); server log:\n${server.output().slice(-4000)}`);
    const answered = outcomes.filter((outcome): outcome is Extract<Outcome, { ok: true }> => outcome.ok);
    expect(answered.every((outcome) => seen.has(outcome.id))).toBe(true);
    expect(answered.length).toBeGreaterThanOrEqual(TOTAL / 2);
    expect(answered.every((outcome) => outcome.status === 200)).toBe(true);
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
    // The deadline was not needed: every connection ended on its own.
    expect(server.output()).not.toContain('shutdown deadline reached');
  });

  it('answers /readyz 503 with Connection: close on a kept-alive connection once draining', async () => {
    const { server } = await start({ SHUTDOWN_TIMEOUT_MS: '5000' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const readyz = () => new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      httpRequest({ agent, host: '127.0.0.1', port: server.port, path: '/readyz' }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      }).on('error', reject).end();
    });
    expect((await readyz()).status).toBe(200);
    server.child.kill('SIGTERM');
    // Draining has begun once a new connection is refused.
    await waitFor('the listener to close', () => new Promise<boolean>((resolve) => {
      const probe = connect(server.port, '127.0.0.1');
      probe.once('connect', () => { probe.destroy(); resolve(false); });
      probe.once('error', () => resolve(true));
    }));
    const draining = await readyz();
    expect(draining.status).toBe(503);
    expect(draining.connection).toBe('close');
    expect(JSON.parse(draining.body)).toMatchObject({ status: 'unavailable', shuttingDown: true });
    agent.destroy();
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toContain('shutdown deadline reached');
  });

  it('answers a request in flight at SIGTERM with Connection: close, so its keep-alive connection ends', async () => {
    const { server } = await start({ SHUTDOWN_TIMEOUT_MS: '30000' });
    const body = 'grant_type=client_credentials';
    const held = await heldTokenRequest(server, body, `Basic ${Buffer.from(`service:${SECRET}`).toString('base64')}`);
    server.child.kill('SIGTERM');
    await waitFor('the server to begin draining', () => server.output().includes('shutting down'));
    const closed = new Promise<void>((resolve) => held.socket.once('close', () => resolve()));
    held.socket.write(body);
    await closed;
    const response = held.received().slice(held.received().indexOf('100 Continue') + 12);
    expect(response).toMatch(/^\s*HTTP\/1\.1 200/);
    expect(response.toLowerCase()).toContain('connection: close');
    expect(await server.exited).toBe(0);
    // The connection ended with its answer, not at the deadline.
    expect(server.output()).not.toContain('shutdown deadline reached');
  });

  it('cuts a request still running at SHUTDOWN_TIMEOUT_MS and still exits 0', async () => {
    const { server } = await start({ SHUTDOWN_TIMEOUT_MS: '1000' });
    // A request whose body never arrives keeps the server busy until the deadline.
    const held = await heldTokenRequest(server, 'grant_type=client_credentials&padding=never-sent');
    const closed = new Promise<void>((resolve) => held.socket.once('close', () => resolve()));
    held.socket.write('grant_type=');
    const started = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await closed;
    // Not before the deadline; the upper bound is the test's own timeout.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.output()).toContain('requests still running were cut');
  });
});
