import { request } from 'node:http';
import os from 'node:os';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { runServerToExit, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { addTestClient } from '../support/test-server.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { waitFor } from '../support/wait-for.js';

// WORKERS=N (src/cluster-primary.ts): N processes behind one port, sharing
// everything through Postgres and Redis; refused on the embedded database.
const SECRET = 'workers-secret-0123456789-0123456789-0123456789';
const BASIC = `Basic ${Buffer.from(`machine:${SECRET}`).toString('base64')}`;

/** POST on a connection of its own: the kernel hands each new connection to one of the workers. */
function post(port: number, path: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, method: 'POST', agent: false,
      headers: { connection: 'close', authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('WORKERS=2 behind one port', () => {
  let stores: TestStores;
  let server: ServerProcess;
  beforeAll(async () => {
    stores = await createTestStores('workers');
    await addTestClient(stores, { client_id: 'machine', client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    server = await startServerProcess({ ...stores.env, WORKERS: '2', HOST: '127.0.0.1' });
    // Each worker logs its own start: both are serving once both lines are there.
    await waitFor('both workers to listen', () => server.output().split('OpenID Provider listening').length - 1 >= 2, { timeoutMs: 120_000 });
  });
  afterAll(async () => {
    server?.kill();
    await stores.cleanup();
  });

  it('serves from both workers and shares every token between them', async () => {
    // Issued and introspected on fresh connections: whichever worker answers,
    // a token issued by the other must be known (it lives in Postgres).
    for (let i = 0; i < 8; i += 1) {
      const issued = await post(server.port, '/token', 'grant_type=client_credentials');
      expect(issued.status).toBe(200);
      const introspected = await post(server.port, '/token/introspection', new URLSearchParams({ token: String(issued.json.access_token) }).toString());
      expect(introspected.json).toMatchObject({ active: true, client_id: 'machine' });
    }
    expect(server.output()).toMatch(/"workers":2,.*"msg":"started 2 workers on one port"/);
  });

  it('stops every worker gracefully on SIGTERM and exits 0', async () => {
    process.kill(-server.child.pid!, 'SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output().split('"msg":"stopped"').length - 1).toBe(2);
  });
});

describe('WORKERS on the embedded database', () => {
  it('is refused at startup with one line naming the variable', async () => {
    const { code, output } = await runServerToExit({ WORKERS: '2', PORT: '0', DATA_DIR: os.tmpdir() });
    expect(code).toBe(1);
    expect(output).toMatch(/WORKERS: more than one worker needs DATABASE_URL/);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('accepts auto (one worker per core) and 1 there; refuses a malformed value', () => {
    expect(loadConfig({ WORKERS: '1' }).workers).toBe(1);
    expect(loadConfig({ WORKERS: 'auto', DATABASE_URL: 'postgres://127.0.0.1/x' }).workers).toBe(os.availableParallelism());
    expect(loadConfig({}).workers).toBe(1);
    expect(() => loadConfig({ WORKERS: 'many' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKERS: '0', DATABASE_URL: 'postgres://127.0.0.1/x' })).toThrow(/WORKERS/);
  });
});
