import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runServerToExit, startServerProcess } from '../support/server-process.js';

describe('npm start on a fresh machine', () => {
  let dataDir: string;
  beforeAll(async () => { dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-start-')); });
  afterAll(async () => { await rm(dataDir, { recursive: true, force: true }); });

  it('starts on embedded PGlite, logs its issuer, serves discovery and stops cleanly on SIGTERM', async () => {
    // Only what a fresh machine has: no DATABASE_URL, no REDIS_URL. PORT=0: the
    // server binds a free port itself and names it in its log and issuer.
    const server = await startServerProcess({ HOST: '127.0.0.1', DATA_DIR: dataDir });
    try {
      expect(server.output()).toContain(`http://localhost:${server.port}`);
      const response = await fetch(`http://127.0.0.1:${server.port}/.well-known/openid-configuration`);
      expect(response.status).toBe(200);
      expect((await response.json() as { issuer: string }).issuer).toBe(`http://localhost:${server.port}`);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });

  it('refuses to start on a wrong value with one line naming the variable and no stack trace', async () => {
    const { code, output } = await runServerToExit({ PORT: 'not-a-port', DATA_DIR: dataDir });
    expect(code).toBe(1);
    expect(output).toMatch(/PORT: /);
    expect(output).not.toMatch(/\n\s+at /);
  });
});
