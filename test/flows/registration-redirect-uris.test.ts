import { startTestServer, type TestServer } from '../support/test-server.js';

const INITIAL_TOKEN = 'initial-access-token-redirects-0123456789-0123';

// The redirect URI policy (src/clients/redirect-uri-policy.ts) as dynamic
// registration (RFC 7591) applies it: the same rules as clients in code and the CLI.
describe('redirect URI rules at dynamic registration', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer('registration_redirects', { env: { REGISTRATION_TOKEN: INITIAL_TOKEN, RATE_LIMIT_REGISTRATION_PER_IP: '0' } }); });
  afterAll(async () => { await server.close(); });

  function register(metadata: Record<string, unknown>) {
    return fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL_TOKEN}` },
      body: JSON.stringify({ client_name: 'Redirect test', ...metadata }),
    });
  }

  it.each([
    ['https://app.example.com/cb?tenant=a', 'web'],
    ['http://127.0.0.1:8080/cb', 'web'],
    ['http://[::1]/cb', 'web'],
    ['com.example.app:/oauth2redirect', 'native'],
    ['http://127.0.0.1/cb', 'native'],
    ['https://app.example.com/claimed', 'native'],
    // RFC 8252 §8.3: localhost is NOT RECOMMENDED, not forbidden (REDIRECT_URI_LOCALHOST=allow, the default).
    ['http://localhost:3000/cb', 'web'],
    ['http://localhost:8080/cb', 'native'],
  ])('accepts %s for a %s client', async (uri, applicationType) => {
    const response = await register({ redirect_uris: [uri], application_type: applicationType });
    expect(response.status).toBe(201);
    const body = await response.json() as Record<string, unknown>;
    expect(body.redirect_uris).toEqual([uri]);
    const row = await server.stores.handle.db.selectFrom('clients').select(['source', 'active']).where('client_id', '=', body.client_id as string).executeTakeFirstOrThrow();
    expect(row).toEqual({ source: 'registration', active: true });
  });

  it.each([
    ['http://app.example.com/cb', 'web', /must use https/],
    ['https://*.example.com/cb', 'web', /wildcards/],
    ['https://app.example.com/cb#frag', 'web', /fragment/],
    ['https://user:pw@app.example.com/cb', 'web', /user information/],
    ['/relative/cb', 'web', /valid uris|absolute/],
    ['http://localhost.example.com/cb', 'native', /loopback hosts/],
    ['https://127.0.0.1/cb', 'native', /127\.0\.0\.1|loopback/],
    ['myapp:/cb', 'native', /reverse-domain/],
    ['javascript:alert(1)', 'native', /javascript/],
  ])('refuses %s for a %s client with invalid_redirect_uri (RFC 7591 §3.2.2)', async (uri, applicationType, rule) => {
    const before = await server.stores.handle.db.selectFrom('clients').select('client_id').execute();
    const response = await register({ redirect_uris: [uri], application_type: applicationType });
    expect(response.status).toBe(400);
    const body = await response.json() as Record<string, string>;
    expect(body.error).toBe('invalid_redirect_uri');
    expect(body.error_description).toMatch(/^redirect_uris/);
    expect(body.error_description).toMatch(rule);
    expect(body.error_description).not.toContain('"');
    expect(await server.stores.handle.db.selectFrom('clients').select('client_id').execute()).toHaveLength(before.length);
  });

  it('records a client declared web with only a private-use scheme redirect as native (RFC 7591 §3.2.1)', async () => {
    const response = await register({ redirect_uris: ['com.example.app:/cb'], application_type: 'web' });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ application_type: 'native', redirect_uris: ['com.example.app:/cb'] });
  });

  it('refuses a bad post-logout redirect URI with invalid_client_metadata (not RFC 7591 metadata)', async () => {
    const response = await register({ redirect_uris: ['https://app.example.com/cb'], post_logout_redirect_uris: ['http://app.example.com/bye'] });
    expect(response.status).toBe(400);
    const body = await response.json() as Record<string, string>;
    expect(body.error).toBe('invalid_client_metadata');
    expect(body.error_description).toMatch(/post_logout_redirect_uris.*must use https/);
  });

  it('refuses privileged properties (first_party, implicit) through registration', async () => {
    for (const metadata of [
      { redirect_uris: ['https://app.example.com/cb'], first_party: true },
      { redirect_uris: ['https://app.example.com/cb'], response_types: ['id_token'], grant_types: ['implicit'] },
    ]) {
      const response = await register(metadata);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata' });
    }
  });
});

describe('redirect URI rules at dynamic registration with REDIRECT_URI_LOCALHOST=deny', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('registration_redirects_deny', { env: { REGISTRATION_TOKEN: INITIAL_TOKEN, REDIRECT_URI_LOCALHOST: 'deny' } });
  });
  afterAll(async () => { await server.close(); });

  async function register(metadata: Record<string, unknown>) {
    const response = await fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL_TOKEN}` },
      body: JSON.stringify({ client_name: 'Redirect test', ...metadata }),
    });
    return { status: response.status, body: await response.json() as Record<string, string> };
  }

  it.each(['web', 'native'])('refuses http://localhost for a %s client, naming the setting', async (applicationType) => {
    const { status, body } = await register({ redirect_uris: ['http://localhost:8080/cb'], application_type: applicationType });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_redirect_uri');
    expect(body.error_description).toMatch(/not the name localhost.*REDIRECT_URI_LOCALHOST=deny/);
  });

  it('still accepts the loopback IP literals', async () => {
    const { status } = await register({ redirect_uris: ['http://127.0.0.1:8080/cb', 'http://[::1]:8080/cb'], application_type: 'native' });
    expect(status).toBe(201);
  });
});
