import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, startServerProcess } from '../support/server-process.js';

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
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: 'not-a-port', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output).toMatch(/PORT: /);
    expect(output).not.toMatch(/\n\s+at /);
  });
});
