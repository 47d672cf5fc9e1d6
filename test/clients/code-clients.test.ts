import * as oidc from 'openid-client';
import { loadConfig } from '../../src/config/load-config.js';
import type { ClientDefinitionInput } from '../../src/clients/client-definition.js';
import { ClientConfigError } from '../../src/clients/sync-clients.js';
import { createServerApp } from '../../src/compose/create-server-app.js';
import { createLogger } from '../../src/observability/logger.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { createTestStores, describeOwnTables, type TestStores } from '../support/test-stores.js';
import { discover, oauthErrorOf } from '../support/oidc-flow.js';

const FIRST_SECRET = 'billing-batch-secret-one-0123456789-0123456789';
const SECOND_SECRET = 'billing-batch-secret-two-0123456789-0123456789';

const LEDGER = 'https://ledger.example.com/';
const LEDGER_API = { identifier: LEDGER, name: 'Ledger', scopes: ['profile'], accessTokenFormat: 'opaque' as const, introspectingClients: ['ledger-api'] };
const batch = (overrides: Partial<ClientDefinitionInput> = {}): ClientDefinitionInput => ({
  clientId: 'billing-batch', name: 'Billing batch', type: 'confidential', grantTypes: ['client_credentials'],
  scopes: ['openid'], secretEnv: 'BILLING_BATCH_SECRET', ...overrides,
});

async function dumpEveryTable(stores: TestStores): Promise<string> {
  const { db } = stores.handle;
  const tables = Object.keys(await describeOwnTables(stores));
  const rows = await Promise.all(tables.map((table) => db.selectFrom(table as 'clients').selectAll().execute()));
  return JSON.stringify(rows);
}

describe('clients defined in code', () => {
  let stores: TestStores;
  let server: TestServer | undefined;

  beforeAll(async () => { stores = await createTestStores('code_clients'); });
  afterAll(async () => {
    await server?.close({ keepStores: true });
    await stores.cleanup();
  });

  async function restart(clients: ClientDefinitionInput[], env: Record<string, string> = {}): Promise<TestServer> {
    await server?.close({ keepStores: true });
    // The ledger API's own client introspects the tokens meant for it (RFC 7662 §4).
    server = await startTestServer('code_clients', { stores, clients, env, resourceServers: [LEDGER_API] });
    return server;
  }

  it.each([
    ['http://billing.example.com/cb', 'web', /must use https/],
    ['https://*.example.com/cb', 'web', /wildcards/],
    ['https://billing.example.com/cb#done', 'web', /fragment/],
    ['https://user:pw@billing.example.com/cb', 'web', /user information/],
    ['http://localhost.example.com:8080/cb', 'native', /only for loopback hosts/],
    ['https://127.0.0.1/cb', 'native', /loopback/],
    ['com.example.billing:/cb', 'web', /private-use URI schemes are for native clients/],
    ['billing:/cb', 'native', /reverse-domain/],
    ['javascript:alert(1)', 'native', /javascript scheme/],
    ['/relative/cb', 'web', /absolute URI/],
  ] as const)('refuses to boot with redirect URI %s (%s), naming the client and the URI', async (uri, applicationType, rule) => {
    const config = loadConfig({ ...stores.env, SHOP_SECRET: FIRST_SECRET });
    const clients: ClientDefinitionInput[] = [{
      clientId: 'shop-web', name: 'Shop', type: 'confidential', applicationType, redirectUris: [uri],
      grantTypes: ['authorization_code'], scopes: ['openid'], secretEnv: 'SHOP_SECRET',
    }];
    const boot = createServerApp({ config, database: stores.handle, redis: stores.redis, logger: createLogger({ level: 'silent' }), clients });
    const error = await boot.then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(ClientConfigError);
    const message = (error as Error).message;
    expect(message).toContain('client shop-web');
    expect(message).toContain(`'${uri}'`);
    expect(message).toMatch(rule);
  });

  it('accepts every allowed redirect URI form at boot', async () => {
    const running = await restart([
      batch(),
      { clientId: 'web-ok', name: 'Web', type: 'public', redirectUris: ['https://web.example.com/cb?tenant=a', 'http://127.0.0.1:8080/cb', 'http://[::1]/cb'], grantTypes: ['authorization_code'], scopes: ['openid'] },
      { clientId: 'native-ok', name: 'Native', type: 'public', applicationType: 'native', redirectUris: ['com.example.app:/cb', 'http://127.0.0.1/cb', 'https://app.example.com/claimed'], grantTypes: ['authorization_code'], scopes: ['openid'] },
    ], { BILLING_BATCH_SECRET: FIRST_SECRET });
    const rows = await stores.handle.db.selectFrom('clients').select(['client_id', 'source', 'active'])
      .where('client_id', 'in', ['billing-batch', 'native-ok', 'web-ok']).orderBy('client_id').execute();
    expect(rows).toEqual([
      { client_id: 'billing-batch', source: 'code', active: true },
      { client_id: 'native-ok', source: 'code', active: true },
      { client_id: 'web-ok', source: 'code', active: true },
    ]);
    // The provider accepts them too: an authorization request with the loopback URI reaches the login page.
    const query = new URLSearchParams({ client_id: 'web-ok', response_type: 'code', scope: 'openid', redirect_uri: 'http://127.0.0.1:8080/cb', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const response = await fetch(`${running.issuer}/auth?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/interaction\//);
  });

  it('completes client_credentials with the secret from the environment, and stores no plaintext secret anywhere', async () => {
    const running = await restart([batch()], { BILLING_BATCH_SECRET: FIRST_SECRET });
    const tokens = await oidc.clientCredentialsGrant(await discover(running.issuer, 'billing-batch', FIRST_SECRET));
    expect(tokens.access_token).toEqual(expect.any(String));
    const dump = await dumpEveryTable(stores);
    expect(dump).toContain('$scrypt$');
    expect(dump).not.toContain(FIRST_SECRET);
    expect(dump).not.toContain(tokens.access_token);
  });

  it('applies a changed definition on restart: new secret, new scopes, new name', async () => {
    let running = await restart([batch()], { BILLING_BATCH_SECRET: FIRST_SECRET });
    let config = await discover(running.issuer, 'billing-batch', FIRST_SECRET);
    await expect(oidc.clientCredentialsGrant(config, { scope: 'profile' })).rejects.toMatchObject({ error: 'invalid_scope' });

    running = await restart([batch({ name: 'Billing nightly', scopes: ['openid', 'profile'] })], { BILLING_BATCH_SECRET: SECOND_SECRET });
    expect(await oauthErrorOf(oidc.clientCredentialsGrant(await discover(running.issuer, 'billing-batch', FIRST_SECRET)))).toBe('invalid_client');
    config = await discover(running.issuer, 'billing-batch', SECOND_SECRET);
    expect((await oidc.clientCredentialsGrant(config, { scope: 'profile' })).scope).toBe('profile');
    const row = await stores.handle.db.selectFrom('clients').selectAll().where('client_id', '=', 'billing-batch').executeTakeFirstOrThrow();
    expect(row.metadata).toMatchObject({ client_name: 'Billing nightly', scope: 'openid profile' });
    expect(await dumpEveryTable(stores)).not.toContain(SECOND_SECRET);
  });

  it('disables a client removed from the code: invalid_client, and its tokens stop introspecting active', async () => {
    const api = batch({ clientId: 'ledger-api', name: 'Ledger API', secretEnv: 'LEDGER_API_SECRET' });
    const env = { BILLING_BATCH_SECRET: FIRST_SECRET, LEDGER_API_SECRET: SECOND_SECRET };
    let running = await restart([batch({ scopes: ['openid', 'profile'] }), api], env);
    const batchConfig = await discover(running.issuer, 'billing-batch', FIRST_SECRET);
    const token = (await oidc.clientCredentialsGrant(batchConfig, { resource: LEDGER, scope: 'profile' })).access_token;
    expect((await oidc.tokenIntrospection(await discover(running.issuer, 'ledger-api', SECOND_SECRET), token)).active).toBe(true);

    running = await restart([api], env);
    expect(await oauthErrorOf(oidc.clientCredentialsGrant(await discover(running.issuer, 'billing-batch', FIRST_SECRET)))).toBe('invalid_client');
    const introspection = await oidc.tokenIntrospection(await discover(running.issuer, 'ledger-api', SECOND_SECRET), token);
    expect(introspection).toEqual({ active: false });
    const row = await stores.handle.db.selectFrom('clients').select(['active', 'source']).where('client_id', '=', 'billing-batch').executeTakeFirstOrThrow();
    expect(row).toEqual({ active: false, source: 'code' });

    // Putting it back enables it again.
    running = await restart([batch(), api], env);
    expect((await oidc.clientCredentialsGrant(await discover(running.issuer, 'billing-batch', FIRST_SECRET))).access_token).toBeDefined();
  });
});
