import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { discover } from '../support/oidc-flow.js';

const SECRET = 'service-secret-0123456789-0123456789-abcdef';

describe('client credentials, introspection and revocation', () => {
  let server: TestServer;
  let config: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer('client_credentials');
    await addTestClient(server.stores, {
      client_id: 'service', client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    });
    config = await discover(server.issuer, 'service', SECRET);
  });
  afterAll(async () => { await server.close(); });

  it('issues an opaque access token that introspects active, then inactive once revoked', async () => {
    const tokens = await oidc.clientCredentialsGrant(config);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBeGreaterThan(0);

    const active = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: 'service', token_type: 'Bearer' });

    await oidc.tokenRevocation(config, tokens.access_token);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  it('answers revocation with an empty 200 that carries no text/plain type (RFC 7009 §2.2)', async () => {
    const tokens = await oidc.clientCredentialsGrant(config);
    const response = await fetch(`${server.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`service:${SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ token: tokens.access_token }).toString(),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBeNull();
    expect(await response.text()).toBe('');
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  it('introspects an unknown token as inactive', async () => {
    expect((await oidc.tokenIntrospection(config, 'no-such-token')).active).toBe(false);
  });

  it('refuses a wrong secret with invalid_client and 401', async () => {
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('service:wrong-secret').toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('stores the client secret and the issued tokens only as hashes', async () => {
    const tokens = await oidc.clientCredentialsGrant(config);
    const { db } = server.stores.handle;
    const client = await db.selectFrom('clients').selectAll().where('client_id', '=', 'service').executeTakeFirstOrThrow();
    expect(JSON.stringify(client)).not.toContain(SECRET);
    const rows = await db.selectFrom('oidc_client_credentials').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(tokens.access_token);
  });

  it('answers an unsupported grant type (including password) with unsupported_grant_type', async () => {
    for (const grantType of ['password', 'urn:example:unknown']) {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`service:${SECRET}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: grantType, username: 'a', password: 'b' }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'unsupported_grant_type' });
    }
  });
});
