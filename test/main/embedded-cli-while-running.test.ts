import { jest } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { runCli } from '../support/run-cli.js';
import { runServerToExit, startServerProcess, type ServerProcess } from '../support/server-process.js';

// Real server and CLI processes on embedded PGlite: each start compiles with tsx.

const REDIRECT_URI = 'https://app.example.com/callback';
const user = { username: 'grace@example.com', password: 'correct horse battery staple' };

function field(stdout: string, name: string): string {
  const value = new RegExp(`^${name}: (\\S+)$`, 'm').exec(stdout)?.[1];
  if (!value) throw new Error(`no ${name} in:\n${stdout}`);
  return value;
}

/** A full sign-in (login, consent, code redemption) with the client and the user the CLI created. */
async function signIn(server: ServerProcess, clientId: string, secret: string): Promise<oidc.IDToken> {
  const issuer = `http://localhost:${server.port}`;
  const config = await discover(issuer, clientId, secret);
  const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI });
  const callback = await signInAndConsent(new HttpBrowser(issuer), url, user);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
  return tokens.claims()!;
}

/**
 * The README's first steps on a fresh machine (no DATABASE_URL: embedded
 * PGlite in DATA_DIR): start the server, then create a user and a client with
 * the CLI in another terminal while it runs. PGlite is one process's
 * database; the CLI works through the running server, so nothing is lost.
 */
describe('the CLI while the server runs on the embedded database', () => {
  let dataDir: string;
  let env: Record<string, string>;
  const servers: ServerProcess[] = [];

  async function start(): Promise<ServerProcess> {
    const server = await startServerProcess(env);
    servers.push(server);
    return server;
  }

  async function stop(server: ServerProcess): Promise<void> {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-cli-'));
    env = { NODE_ENV: 'test', DATA_DIR: dataDir, HOST: '127.0.0.1', BCRYPT_COST: '4', SHUTDOWN_TIMEOUT_MS: '2000' };
  });
  afterAll(async () => {
    // SIGTERM: the server closes its database and its lock on DATA_DIR
    // before the folder is removed.
    for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
    await Promise.all(servers.map((server) => server.exited));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a user and a client that sign in at once, and keeps them across a restart', async () => {
    const first = await start();
    const cli = (args: string[], input?: string) => runCli({ env }, args, input);

    const created = await cli(['users', 'create', '--username', user.username, '--password-stdin', '--name', 'Grace'], `${user.password}\n`);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const userId = /\(([0-9a-f-]{36})\)/.exec(created.stdout)?.[1];
    expect(userId).toEqual(expect.any(String));
    const client = await cli(['clients', 'create', '--name', 'Shop', '--type', 'confidential', '--redirect-uri', REDIRECT_URI]);
    expect(client.code).toBe(0);
    const clientId = field(client.stdout, 'client_id');
    const secret = field(client.stdout, 'client_secret');

    // No restart, no wait: the running server sees both at once.
    expect((await signIn(first, clientId, secret)).sub).toBe(userId);
    await stop(first);

    const second = await start();
    const listed = await cli(['clients', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${clientId}\\tcli\\tconfidential\\tactive\\tShop$`, 'm'));
    expect((await cli(['users', 'list'])).stdout).toContain(`${userId}\t${user.username}`);
    expect((await signIn(second, clientId, secret)).sub).toBe(userId);
    // A change (and its audit event, whose sequence the issue saw broken) takes effect at once too.
    expect(await cli(['clients', 'disable', clientId])).toMatchObject({ code: 0, stderr: '' });
    const issuer = `http://localhost:${second.port}`;
    const { url } = await buildAuthorization(await discover(issuer, clientId, secret), { redirect_uri: REDIRECT_URI });
    const refused = await new HttpBrowser(issuer).follow(url.toString());
    expect(refused.response.status).toBe(400);
    expect(await refused.response.text()).toContain('invalid_client');
  });

  it('refuses a second server on the same DATA_DIR with one line and a non-zero exit', async () => {
    const running = servers.find((server) => server.child.exitCode === null && server.child.signalCode === null) ?? await start();
    const { code, output } = await runServerToExit({ ...env, PORT: '0', LOG_LEVEL: 'info' });
    expect(code).not.toBe(0);
    expect(output.trim().split('\n')).toEqual([
      expect.stringMatching(/^startup failed: the embedded database in .+ is in use by process \d+: stop it first, or set DATABASE_URL$/),
    ]);
    // The running server is unharmed and still serves the CLI.
    expect((await runCli({ env }, ['clients', 'list'])).code).toBe(0);
    await stop(running);
  });
});
