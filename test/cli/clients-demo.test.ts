import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { HttpBrowser } from '../support/http-browser.js';
import { completeInteractions } from '../support/oidc-flow.js';
import { runCli } from '../support/run-cli.js';
import { PROJECT_ROOT, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { waitFor } from '../support/wait-for.js';

// A real server process and a real CLI process (bin/cli.mjs, as `npm run cli` runs it).

const user = { username: 'first@example.com', password: 'a long first password' };

/** The CLI as a running process whose output can be read while it waits for the browser. */
function startCli(env: Record<string, string>, args: string[]): { child: ChildProcess; stdout(): string; stderr(): string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/cli.mjs'), ...args], {
    cwd: PROJECT_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
  child.stderr!.on('data', (chunk: Buffer) => { err += chunk.toString('utf8'); });
  const exited = new Promise<number | null>((resolve) => { child.once('close', (code) => resolve(code)); });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * The README's first sign-in as written: with the server running, one command
 * prints a sign-in URL, the browser signs in and comes back to the command's
 * loopback redirect, and the command prints the ID token's claims and ends.
 */
describe('clients demo: a first sign-in from the command line', () => {
  let stores: TestStores;
  let server: ServerProcess;
  let env: Record<string, string>;
  let userId: string;

  beforeAll(async () => {
    stores = await createTestStores('cli_demo');
    server = await startServerProcess({ ...stores.env, HOST: '127.0.0.1' });
    env = { ...stores.env, ISSUER: `http://localhost:${server.port}` };
    const created = await runCli({ env }, ['users', 'create', '--username', user.username, '--password-stdin'], `${user.password}\n`);
    expect(created.code).toBe(0);
    userId = /\(([0-9a-f-]{36})\)/.exec(created.stdout)![1]!;
  });
  afterAll(async () => {
    server?.kill();
    await stores?.cleanup();
  });

  async function signInOnce(): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const cli = startCli(env, ['clients', 'demo', '--timeout', '240']);
    try {
      const url = await waitFor('the sign-in URL', () => /^(http:\/\/localhost:\d+\/auth\?\S+)$/m.exec(cli.stdout())?.[1], { timeoutMs: 120_000 });
      const query = new URL(url).searchParams;
      expect(query.get('code_challenge_method')).toBe('S256');
      expect(query.get('state')).toEqual(expect.any(String));
      expect(query.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

      const browser = new HttpBrowser(env.ISSUER!);
      const done = await completeInteractions(browser, await browser.follow(url), user);
      expect(done.url.toString()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?code=/);
      const landing = await fetch(done.url);
      expect(await landing.text()).toContain('You are signed in');
      const code = await cli.exited;
      return { code, stdout: cli.stdout(), stderr: cli.stderr() };
    } finally {
      cli.child.kill('SIGKILL');
    }
  }

  it('creates the demo client, signs in through the browser, prints the verified ID token claims and exits 0', async () => {
    const first = await signInOnce();
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('created the demo client demo-cli');
    const claims = JSON.parse(first.stdout.slice(first.stdout.indexOf('{'))) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: userId, aud: 'demo-cli', iss: env.ISSUER });

    // Idempotent: the second run reuses the client.
    const second = await signInOnce();
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toContain('using the demo client demo-cli');
  });

  it('ends by itself with an error when no browser comes back in time', async () => {
    const cli = startCli(env, ['clients', 'demo', '--timeout', '1']);
    const code = await cli.exited;
    expect(code).toBe(1);
    expect(cli.stderr()).toContain('no sign-in came back within 1 seconds');
  });
});
