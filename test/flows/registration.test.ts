import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { discover } from '../support/oidc-flow.js';

const INITIAL_TOKEN = 'initial-access-token-0123456789-0123456789';

describe('dynamic client registration (RFC 7591/7592)', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer('registration', { env: { REGISTRATION_TOKEN: INITIAL_TOKEN } }); });
  afterAll(async () => { await server.close(); });

  function register(body: unknown, token = INITIAL_TOKEN, contentType = 'application/json') {
    return fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  it('registers a client whose generated secret works and is stored only as a hash', async () => {
    const response = await register({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], client_name: 'Batch job' });
    expect(response.status).toBe(201);
    const client = await response.json() as Record<string, string>;
    expect(Buffer.from(client.client_secret, 'base64url').length).toBeGreaterThanOrEqual(32);

    const config = await discover(server.issuer, client.client_id, client.client_secret);
    const tokens = await oidc.clientCredentialsGrant(config);
    expect(tokens.access_token).toBeDefined();

    const rows = await server.stores.handle.db.selectFrom('clients').selectAll().execute();
    const dump = JSON.stringify(rows) + JSON.stringify(await server.stores.handle.db.selectFrom('oidc_registration_access_tokens').selectAll().execute());
    expect(dump).not.toContain(client.client_secret);
    expect(dump).not.toContain(client.registration_access_token);
  });

  it('refuses registration without the initial access token', async () => {
    const response = await register({ redirect_uris: ['https://x.example.com/cb'] }, 'wrong-token');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('answers malformed JSON with invalid_client_metadata (RFC 7591 §3.2.2), not a 5xx', async () => {
    const response = await register('{"redirect_uris": [', INITIAL_TOKEN);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata' });
  });

  it('refuses client_secret_jwt, which cannot work with hashed secrets', async () => {
    const response = await register({ redirect_uris: ['https://x.example.com/cb'], token_endpoint_auth_method: 'client_secret_jwt' });
    expect(response.status).toBe(400);
    const body = await response.json() as Record<string, string>;
    expect(body.error).toBe('invalid_client_metadata');
    expect(body.error_description).toMatch(/token_endpoint_auth_method/);
  });
});
