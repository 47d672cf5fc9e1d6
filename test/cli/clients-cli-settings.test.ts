import { jest } from '@jest/globals';
import { runCli } from '../support/run-cli.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Every CLI call is a real process (tsx compiles on start): slow on a loaded machine.

/**
 * What an operator sees from the clients and users commands: header rows and
 * --json for scripts, every per-client setting that is safe outside code,
 * errors that name what the operator typed, and the built-in client.
 */
describe('clients CLI: output and per-client settings', () => {
  let server: TestServer;

  beforeAll(async () => { server = await startTestServer('cli_settings'); });
  afterAll(async () => { await server.close(); });

  const cli = (args: string[]) => runCli(server.stores, args);

  it('creates a client with the settings a client in code can have, and shows them, post-logout URIs included', async () => {
    const created = await cli(['clients', 'create', '--client-id', 'short-lived', '--name', 'Short lived', '--type', 'confidential',
      '--redirect-uri', 'https://app.example.com/cb', '--post-logout-redirect-uri', 'https://app.example.com/bye',
      '--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--scope', 'openid', '--scope', 'profile',
      '--access-token-ttl', '15m', '--refresh-token-ttl', '30d', '--refresh-reuse-leeway', '10', '--pkce', 'optional',
      '--auth-method', 'client_secret_post', '--allowed-origin', 'https://app.example.com', '--auto-approve-scope', 'profile',
      '--require-par', '--require-mfa', '--logo-uri', 'https://app.example.com/logo.png']);
    expect(created).toMatchObject({ code: 0 });
    const row = await server.stores.handle.db.selectFrom('clients').select('metadata').where('client_id', '=', 'short-lived').executeTakeFirstOrThrow();
    expect(row.metadata).toMatchObject({
      access_token_ttl: 900, refresh_token_ttl: 2_592_000, refresh_reuse_leeway: 10, pkce: 'optional', token_endpoint_auth_method: 'client_secret_post',
      allowed_origins: ['https://app.example.com'], auto_approve_scopes: ['profile'], require_pushed_authorization_requests: true, require_mfa: true,
      post_logout_redirect_uris: ['https://app.example.com/bye'],
    });
    // The provider applies the lifetime: a client in code and one made here behave the same.
    const client = await server.app.provider.Client.find('short-lived');
    expect((client?.metadata() as Record<string, unknown>).access_token_ttl).toBe(900);

    const show = await cli(['clients', 'show', 'short-lived']);
    expect(show.stdout).toContain('post-logout redirect URIs: https://app.example.com/bye\n');
    expect(show.stdout).toContain('access_token_ttl: 900\n');
    expect(show.stdout).toContain('pkce: optional\n');
    const json = JSON.parse((await cli(['clients', 'show', 'short-lived', '--json'])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ clientId: 'short-lived', postLogoutRedirectUris: ['https://app.example.com/bye'], settings: { access_token_ttl: 900 } });
    expect(JSON.stringify(json)).not.toMatch(/secret_hash|\$scrypt\$/);
  });

  it('prints a header row on list commands, and JSON with --json', async () => {
    const list = await cli(['clients', 'list']);
    expect(list.stdout.split('\n')[0]).toBe('CLIENT_ID\tSOURCE\tTYPE\tSTATUS\tNAME');
    const clients = JSON.parse((await cli(['clients', 'list', '--json'])).stdout) as Array<{ clientId: string }>;
    expect(clients.map((client) => client.clientId)).toContain('account-console');

    await server.app.accounts.createUser({ username: 'lister', password: 'lister-password-1' });
    expect((await cli(['users', 'list'])).stdout.split('\n')[0]).toBe('ID\tUSERNAME\tROLE\tSTATUS');
    const users = JSON.parse((await cli(['users', 'list', '--json'])).stdout) as Array<{ username: string }>;
    expect(users.map((user) => user.username)).toContain('lister');
    expect(JSON.parse((await cli(['users', 'show', 'lister', '--json'])).stdout)).toMatchObject({ username: 'lister', role: 'user' });
    expect((await cli(['keys', 'list'])).stdout.split('\n')[0]).toBe('KID\tALG\tSTATE\tCREATED\tPUBLISHED_UNTIL');
    expect(JSON.parse((await cli(['keys', 'list', '--json'])).stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ state: 'current' })]));
  });

  it('names the client the request used in a validation error, never a generated id', async () => {
    const unnamed = await cli(['clients', 'create', '--name', 'Nightly batch', '--type', 'confidential']);
    expect(unnamed).toMatchObject({ code: 1, stderr: 'error: Invalid client: client (new) "Nightly batch": authorization_code needs at least one redirect URI\n' });
    const named = await cli(['clients', 'create', '--client-id', 'batch-1', '--name', 'Nightly batch', '--type', 'confidential']);
    expect(named.stderr).toBe('error: Invalid client: client batch-1: authorization_code needs at least one redirect URI\n');
  });

  it('offers only the grant types it accepts, and explains implicit', async () => {
    const help = await cli(['clients', 'create', '--help']);
    expect(help.stdout).toContain('authorization_code');
    expect(help.stdout).not.toContain('implicit');
    expect(help.stdout).toContain('--access-token-ttl');
    const implicit = await cli(['clients', 'create', '--name', 'Old', '--type', 'public', '--redirect-uri', 'https://old.example.com/cb', '--grant-type', 'implicit']);
    expect(implicit.code).toBe(1);
    expect(implicit.stderr).toMatch(/^error: --grant-type implicit is only for clients in code/);
  });

  it('says the account pages\' client is built in', async () => {
    for (const command of ['delete', 'disable', 'rotate-secret']) {
      const result = await cli(['clients', command, 'account-console']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: client "account-console" is built in: it is the account pages' own sign-in client/);
      expect(result.stderr).not.toContain('clients.config.ts');
    }
  });
});
