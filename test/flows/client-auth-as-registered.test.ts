import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'client-auth-as-registered-secret-0123456789-0123';
const basic = (clientId: string, secret = SECRET) => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;

// RFC 7591 §2 (token_endpoint_auth_method) and RFC 6749 §5.2 (error codes).
describe('a client authenticates only as registered, and uses only its grant types', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('client_auth_as_registered');
    const machine = { client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
    await addTestClient(server.stores, { client_id: 'basic-client', token_endpoint_auth_method: 'client_secret_basic', ...machine });
    await addTestClient(server.stores, { client_id: 'post-client', token_endpoint_auth_method: 'client_secret_post', ...machine });
    await addTestClient(server.stores, {
      client_id: 'code-only', client_secret: SECRET, grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['https://rp.example.com/cb'],
    });
  });
  afterAll(async () => { await server.close(); });

  async function post(path: string, form: Record<string, string>, authorization?: string) {
    const response = await fetch(`${server.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(authorization ? { authorization } : {}) },
      body: new URLSearchParams(form),
    });
    return { status: response.status, body: await response.json() as Record<string, string> };
  }

  it('accepts each client with its registered method', async () => {
    expect((await post('/token', { grant_type: 'client_credentials' }, basic('basic-client'))).status).toBe(200);
    expect((await post('/token', { grant_type: 'client_credentials', client_id: 'post-client', client_secret: SECRET })).status).toBe(200);
  });

  it('answers invalid_client to a client_secret_basic client that sends its secret in the body', async () => {
    const { status, body } = await post('/token', { grant_type: 'client_credentials', client_id: 'basic-client', client_secret: SECRET });
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(body.error_description).not.toContain('"');
  });

  it('answers invalid_client to a client_secret_post client that sends its secret in the Authorization header', async () => {
    const { status, body } = await post('/token', { grant_type: 'client_credentials' }, basic('post-client'));
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('applies the same rule at introspection and revocation', async () => {
    const { body: token } = await post('/token', { grant_type: 'client_credentials' }, basic('basic-client'));
    const wrong = await post('/token/introspection', { token: token.access_token!, client_id: 'basic-client', client_secret: SECRET });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect((await post('/token/introspection', { token: token.access_token! }, basic('basic-client'))).body.active).toBe(true);
    const revoke = await fetch(`${server.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: token.access_token!, client_id: 'basic-client', client_secret: SECRET }),
    });
    expect(revoke.status).toBe(401);
    expect((await post('/token/introspection', { token: token.access_token! }, basic('basic-client'))).body.active).toBe(true);
  });

  it('still answers invalid_client for a wrong secret sent the registered way', async () => {
    expect(await post('/token', { grant_type: 'client_credentials' }, basic('basic-client', `${SECRET}x`))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('answers unauthorized_client for a grant type the client is not registered for (RFC 6749 §5.2)', async () => {
    const { status, body } = await post('/token', { grant_type: 'client_credentials' }, basic('code-only'));
    expect(status).toBe(400);
    expect(body.error).toBe('unauthorized_client');
    const device = await post('/device/auth', { scope: 'openid' }, basic('code-only'));
    expect(device).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
  });

  it('keeps unsupported_grant_type for a grant the server does not offer, and invalid_client before the grant check', async () => {
    expect((await post('/token', { grant_type: 'password', username: 'a', password: 'b' }, basic('code-only'))).body.error).toBe('unsupported_grant_type');
    expect((await post('/token', { grant_type: 'client_credentials' }, basic('code-only', 'wrong-secret'))).body.error).toBe('invalid_client');
  });
});
