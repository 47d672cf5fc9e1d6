import { jest } from '@jest/globals';
import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { discover, oauthErrorOf } from '../support/oidc-flow.js';
import { runCli } from '../support/run-cli.js';
import { describeOwnTables } from '../support/test-stores.js';

const API_SECRET = 'cli-clients-api-secret-0123456789-0123456789';
const API = 'https://resource-api.example.com/';
const CODE_SECRET = 'cli-clients-code-secret-0123456789-01234567';

// Every CLI call is a real process (tsx compiles on start): slow on a loaded machine.

function field(stdout: string, name: string): string {
  const value = new RegExp(`^${name}: (\\S+)$`, 'm').exec(stdout)?.[1];
  if (!value) throw new Error(`no ${name} in:\n${stdout}`);
  return value;
}

async function dumpEveryTable(server: TestServer): Promise<string> {
  const { db } = server.stores.handle;
  const tables = Object.keys(await describeOwnTables(server.stores));
  const rows = await Promise.all(tables.map((table) => db.selectFrom(table as 'clients').selectAll().execute()));
  return JSON.stringify(rows);
}

describe('clients CLI, driven as a real process against the server\'s database', () => {
  let server: TestServer;
  let api: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer('cli_clients', {
      env: { CODE_CLIENT_SECRET: CODE_SECRET },
      clients: [{ clientId: 'code-client', name: 'In code', type: 'confidential', grantTypes: ['client_credentials'], scopes: ['openid'], secretEnv: 'CODE_CLIENT_SECRET' }],
      // RFC 7662 §4: the API's own client may introspect the tokens meant for it.
      resourceServers: [{ identifier: API, name: 'Resource API', scopes: ['profile'], accessTokenFormat: 'opaque', introspectingClients: ['resource-api'] }],
    });
    // A resource server that introspects other clients' tokens for its API.
    await addTestClient(server.stores, { client_id: 'resource-api', client_secret: API_SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    api = await discover(server.issuer, 'resource-api', API_SECRET);
  });
  afterAll(async () => { await server.close(); });

  const cli = (args: string[]) => runCli(server.stores, args);

  async function createBatchClient(): Promise<{ clientId: string; secret: string; stdout: string }> {
    const created = await cli(['clients', 'create', '--name', 'Nightly batch', '--type', 'confidential', '--grant-type', 'client_credentials', '--scope', 'openid', '--scope', 'profile']);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain('shown only this once');
    return { clientId: field(created.stdout, 'client_id'), secret: field(created.stdout, 'client_secret'), stdout: created.stdout };
  }

  it('creates a confidential client whose printed secret works for client_credentials and is stored only as a hash', async () => {
    const { clientId, secret, stdout } = await createBatchClient();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(stdout.split(secret)).toHaveLength(2);

    const tokens = await oidc.clientCredentialsGrant(await discover(server.issuer, clientId, secret));
    expect(tokens.access_token).toEqual(expect.any(String));

    const row = await server.stores.handle.db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ source: 'cli', active: true, first_party: false });
    expect(row.secret_hash).toMatch(/^\$scrypt\$/);
    expect(await dumpEveryTable(server)).not.toContain(secret);

    const show = await cli(['clients', 'show', clientId]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('type: confidential (client_secret_basic)\n');
    expect(show.stdout).not.toContain(secret);
    expect(show.stdout).not.toContain('$scrypt$');
  });

  it('creates a public SPA client without a secret and lists every client with its source', async () => {
    const created = await cli(['clients', 'create', '--client-id', 'spa-app', '--name', 'SPA', '--type', 'public',
      '--redirect-uri', 'https://spa.example.com/cb', '--grant-type', 'authorization_code', '--grant-type', 'refresh_token',
      '--scope', 'openid', '--scope', 'profile', '--first-party']);
    expect(created).toMatchObject({ code: 0, stdout: 'created public client SPA\nclient_id: spa-app\n', stderr: '' });
    const list = await cli(['clients', 'list']);
    expect(list.stdout).toContain('spa-app\tcli\tpublic\tactive\tSPA\n');
    expect(list.stdout).toContain('code-client\tcode\tconfidential\tactive\tIn code\n');
    const row = await server.stores.handle.db.selectFrom('clients').selectAll().where('client_id', '=', 'spa-app').executeTakeFirstOrThrow();
    expect(row.secret_hash).toBeNull();
    expect(row.first_party).toBe(true);
    expect(row.metadata).toMatchObject({ token_endpoint_auth_method: 'none', scope: 'openid profile', first_party: true });
  });

  it('validates with the same rules as clients in code: one line naming the problem, exit code 1, nothing stored', async () => {
    const before = await server.stores.handle.db.selectFrom('clients').select('client_id').execute();
    for (const [args, message] of [
      [['--type', 'confidential', '--redirect-uri', 'http://app.example.com/cb'], /redirect URI 'http:\/\/app\.example\.com\/cb' must use https/],
      [['--type', 'public', '--redirect-uri', 'https://app.example.com/cb#x'], /must not contain a fragment/],
      [['--type', 'public', '--application-type', 'native', '--redirect-uri', 'http://localhost.example.com:8080/cb'], /plain http is allowed only for loopback hosts/],
      [['--type', 'public', '--redirect-uri', 'https://app.example.com/cb', '--pkce', 'optional'], /a public client always uses PKCE/],
      [['--type', 'public', '--redirect-uri', 'com.example.app:/cb'], /private-use URI schemes are for native clients/],
      [['--type', 'public', '--grant-type', 'client_credentials'], /client_credentials needs a confidential client/],
      [['--type', 'confidential', '--redirect-uri', 'https://app.example.com/cb', '--scope', 'admin'], /scope "admin" is not in the scopes catalog/],
      [['--type', 'secret-ish', '--redirect-uri', 'https://app.example.com/cb'], /type/],
      [['--type', 'confidential'], /authorization_code needs at least one redirect URI/],
    ] as const) {
      const result = await cli(['clients', 'create', '--name', 'Bad', ...args]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: Invalid client: [^\n]+\n$/);
      expect(result.stderr).toMatch(message);
    }
    expect(await server.stores.handle.db.selectFrom('clients').select('client_id').execute()).toHaveLength(before.length);
    expect(await cli(['clients', 'create', '--client-id', 'spa-app', '--name', 'Again', '--type', 'public', '--redirect-uri', 'https://spa.example.com/cb']))
      .toMatchObject({ code: 1, stderr: 'error: A client with id "spa-app" already exists\n' });
  });

  it('rotates a secret: printed once, the old one is refused at once, the new one works', async () => {
    const { clientId, secret } = await createBatchClient();
    const rotated = await cli(['clients', 'rotate-secret', clientId]);
    expect(rotated.code).toBe(0);
    const fresh = field(rotated.stdout, 'client_secret');
    expect(fresh).not.toBe(secret);
    expect(await oauthErrorOf(oidc.clientCredentialsGrant(await discover(server.issuer, clientId, secret)))).toBe('invalid_client');
    expect((await oidc.clientCredentialsGrant(await discover(server.issuer, clientId, fresh))).access_token).toBeDefined();
    expect(await dumpEveryTable(server)).not.toContain(fresh);
    expect(await cli(['clients', 'rotate-secret', 'spa-app'])).toMatchObject({ code: 1, stderr: 'error: Client "spa-app" does not authenticate with a client secret\n' });
  });

  it('disable and delete revoke the client\'s tokens at once and lock it out', async () => {
    const { clientId, secret } = await createBatchClient();
    const config = await discover(server.issuer, clientId, secret);
    const forApi = { resource: API, scope: 'profile' };
    const token = (await oidc.clientCredentialsGrant(config, forApi)).access_token;
    expect((await oidc.tokenIntrospection(api, token)).active).toBe(true);

    expect(await cli(['clients', 'disable', clientId])).toMatchObject({ code: 0 });
    expect((await oidc.tokenIntrospection(api, token)).active).toBe(false);
    expect(await oauthErrorOf(oidc.clientCredentialsGrant(config))).toBe('invalid_client');
    expect((await cli(['clients', 'show', clientId])).stdout).toContain('status: disabled\n');

    expect(await cli(['clients', 'enable', clientId])).toMatchObject({ code: 0 });
    const again = (await oidc.clientCredentialsGrant(config, forApi)).access_token;
    expect(await cli(['clients', 'delete', clientId])).toMatchObject({ code: 0, stdout: `deleted client ${clientId}\n` });
    expect((await oidc.tokenIntrospection(api, again)).active).toBe(false);
    expect(await oauthErrorOf(oidc.clientCredentialsGrant(config))).toBe('invalid_client');
    expect(await cli(['clients', 'show', clientId])).toMatchObject({ code: 1, stderr: `error: No client with id "${clientId}"\n` });
  });

  it('refuses to change a client defined in code, with a clear message', async () => {
    for (const command of ['disable', 'delete', 'rotate-secret', 'enable']) {
      const result = await cli(['clients', command, 'code-client']);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('error: Client "code-client" is defined in code (src/clients/clients.config.ts); change it there and restart\n');
    }
    const config = await discover(server.issuer, 'code-client', CODE_SECRET);
    expect((await oidc.clientCredentialsGrant(config)).access_token).toBeDefined();
  });
});
