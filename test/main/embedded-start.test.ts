import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function startMain(env: Record<string, string>) {
  // Only what a fresh machine has: no DATABASE_URL, no REDIS_URL.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  return { child, output: () => output };
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
}

describe('npm start on a fresh machine', () => {
  let dataDir: string;
  beforeAll(async () => { dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-start-')); });
  afterAll(async () => { await rm(dataDir, { recursive: true, force: true }); });

  it('starts on embedded PGlite, logs its issuer, serves discovery and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const { child, output } = startMain({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    try {
      await waitFor(() => output().includes('issuer'), 40_000);
      expect(output()).toContain(`http://localhost:${port}`);
      const response = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
      expect(response.status).toBe(200);
      expect((await response.json() as { issuer: string }).issuer).toBe(`http://localhost:${port}`);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 60_000);

  it('refuses to start on a wrong value with one line naming the variable and no stack trace', async () => {
    const { child, output } = startMain({ PORT: 'not-a-port', DATA_DIR: dataDir });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toMatch(/PORT: /);
    expect(output()).not.toMatch(/\n\s+at /);
  }, 30_000);
});
