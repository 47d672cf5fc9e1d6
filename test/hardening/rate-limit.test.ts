import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'rate-limit-secret-0123456789-0123456789-0123';
const REGISTRATION_TOKEN = 'rate-limit-initial-access-token-0123456789-abcdef';
const basic = (id: string, secret = SECRET) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('rate limits on the token, introspection, device authorization and registration endpoints', () => {
  let server: TestServer;
  let ipCounter = 0;
  /** A fresh client IP per call (TRUST_PROXY is on), so only the limit under test can trip. */
  const freshIp = () => { ipCounter += 1; return `198.51.100.${ipCounter}`; };

  beforeAll(async () => {
    server = await startTestServer('rate_limit', {
      env: {
        TRUST_PROXY: 'true',
        REGISTRATION_TOKEN,
        RATE_LIMIT_TOKEN_PER_IP: '3',
        RATE_LIMIT_TOKEN_PER_CLIENT: '4',
        RATE_LIMIT_INTROSPECTION_PER_IP: '2',
        RATE_LIMIT_DEVICE_AUTHORIZATION_PER_IP: '2',
        RATE_LIMIT_REGISTRATION_PER_IP: '2',
      },
    });
    for (const id of ['svc', 'victim', 'other']) {
      await addTestClient(server.stores, { client_id: id, client_secret: SECRET, redirect_uris: [], grant_types: ['client_credentials'], response_types: [] });
    }
    await addTestClient(server.stores, {
      client_id: 'tv', token_endpoint_auth_method: 'none', redirect_uris: [], response_types: [],
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
    });
  });
  afterAll(async () => { await server.close(); });

  async function post(path: string, body: string, headers: Record<string, string>) {
    const response = await fetch(`${server.issuer}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body,
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json().catch(() => ({})) as Record<string, string> };
  }
  const clientCredentials = (client: string, ip: string, secret = SECRET) =>
    post('/token', 'grant_type=client_credentials', { authorization: basic(client, secret), 'x-forwarded-for': ip });

  it('refuses the fourth token request from one IP with 429, Retry-After and an OAuth error body', async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i += 1) expect((await clientCredentials('other', ip)).status).toBe(200);
    const refused = await clientCredentials('other', ip);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/too many requests/) });
    // Another IP is not affected.
    expect((await clientCredentials('other', freshIp())).status).toBe(200);
  });

  it('limits one client across IPs, counting only requests that authenticated', async () => {
    for (let i = 0; i < 4; i += 1) expect((await clientCredentials('svc', freshIp())).status).toBe(200);
    const refused = await clientCredentials('svc', freshIp());
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('temporarily_unavailable');
  });

  it('does not let someone who only names a client spend its quota', async () => {
    for (let i = 0; i < 6; i += 1) {
      const wrong = await clientCredentials('victim', freshIp(), 'not-the-secret');
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('invalid_client');
    }
    expect((await clientCredentials('victim', freshIp())).status).toBe(200);
  });

  it('limits introspection per IP', async () => {
    const ip = freshIp();
    const statuses = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await post('/token/introspection', 'token=whatever', { authorization: basic('other'), 'x-forwarded-for': ip })).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('limits device authorization per IP (client_id in the form body)', async () => {
    const ip = freshIp();
    const first = await post('/device/auth', 'client_id=tv&scope=openid', { 'x-forwarded-for': ip });
    expect(first.status).toBe(200);
    expect(first.body.device_code).toEqual(expect.any(String));
    expect((await post('/device/auth', 'client_id=tv&scope=openid', { 'x-forwarded-for': ip })).status).toBe(200);
    const refused = await post('/device/auth', 'client_id=tv&scope=openid', { 'x-forwarded-for': ip });
    expect(refused).toMatchObject({ status: 429, body: { error: 'temporarily_unavailable' } });
  });

  it('limits dynamic registration per IP', async () => {
    const ip = freshIp();
    const register = async () => {
      const response = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}`, 'x-forwarded-for': ip },
        body: JSON.stringify({ redirect_uris: ['https://registered.example.com/cb'], client_name: 'Registered' }),
      });
      return response.status;
    };
    expect(await register()).toBe(201);
    expect(await register()).toBe(201);
    expect(await register()).toBe(429);
  });
});

describe('client IP without TRUST_PROXY', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('rate_limit_noproxy', { env: { RATE_LIMIT_TOKEN_PER_IP: '2' } });
  });
  afterAll(async () => { await server.close(); });

  it('ignores X-Forwarded-For, so a client cannot dodge the per-IP limit by inventing addresses', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `203.0.113.${i}` },
        body: 'grant_type=client_credentials&client_id=nobody',
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });
});
