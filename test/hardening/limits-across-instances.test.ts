import type * as oidc from 'openid-client';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, discover } from '../support/oidc-flow.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// Two instances on one schema and one Redis key prefix, as behind a load
// balancer: a limit spent on one must hold on the other. A limiter kept in
// process memory instead of Redis fails every test here.
const SECRET = 'shared-limits-secret-0123456789-0123456789-0';
const REDIRECT_URI = 'https://shared-limits.example.com/cb';
const user = { username: 'lin@example.com', password: 'a long and correct password' };
const ENV = {
  TRUST_PROXY: 'true',
  RATE_LIMIT_WINDOW_SECONDS: '3600',
  RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_AND_IP: '3',
  RATE_LIMIT_DEVICE_AUTHORIZATION_PER_IP: '2',
  LOGIN_LOCKOUT_THRESHOLD: '2',
};

describe('limits shared by every instance', () => {
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    first = await startTestServer('limits_shared', { env: ENV });
    second = await startTestServer('limits_shared', { env: ENV, stores: first.stores });
    await addTestClient(first.stores, { client_id: 'svc', client_secret: SECRET, redirect_uris: [], grant_types: ['client_credentials'], response_types: [] });
    await addTestClient(first.stores, {
      client_id: 'tv', token_endpoint_auth_method: 'none', redirect_uris: [], response_types: [],
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
    });
    await addTestClient(first.stores, { client_id: 'web', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], response_types: ['code'] });
    await first.app.accounts.createUser(user);
  });
  afterAll(async () => {
    await second?.close({ keepStores: true });
    await first?.close();
  });

  const post = (server: TestServer, path: string, body: string, headers: Record<string, string>) => fetch(`${server.issuer}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body,
  });
  const clientCredentials = (server: TestServer, ip: string, secret = SECRET) => post(server, '/token', 'grant_type=client_credentials', {
    authorization: `Basic ${Buffer.from(`svc:${secret}`).toString('base64')}`, 'x-forwarded-for': ip,
  });

  it('refuses on one instance a device-authorization flood counted on the other', async () => {
    const ip = '192.0.2.70';
    const authorize = (server: TestServer) => post(server, '/device/auth', 'client_id=tv&scope=openid', { 'x-forwarded-for': ip });
    expect((await authorize(first)).status).toBe(200);
    expect((await authorize(first)).status).toBe(200);
    const refused = await authorize(second);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('blocks on the second instance a client whose failures were counted on the first', async () => {
    const ip = '192.0.2.71';
    for (let i = 0; i < 3; i += 1) expect((await clientCredentials(first, ip, 'not-the-secret')).status).toBe(401);
    expect((await clientCredentials(first, ip)).status).toBe(429);
    // The second instance has not seen this pair yet. Its first failure reads the
    // shared count, which is past the threshold (client-auth-failures.ts: the one
    // extra secret check per instance this design allows)…
    expect((await clientCredentials(second, ip, 'not-the-secret')).status).toBe(401);
    // …and from then on it refuses the pair before checking any secret, the right one included.
    const refused = await clientCredentials(second, ip);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
    // From another address the client is served by both.
    expect((await clientCredentials(second, '192.0.2.72')).status).toBe(200);
    expect((await clientCredentials(first, '192.0.2.72')).status).toBe(200);
  });

  it('refuses the right password on one instance while a login lock set on the other holds', async () => {
    const ip = '192.0.2.73';
    const openLogin = async (server: TestServer) => {
      const config: oidc.Configuration = await discover(server.issuer, 'web', SECRET);
      const browser = new HttpBrowser(server.issuer);
      const { response } = await browser.follow((await buildAuthorization(config, { redirect_uri: REDIRECT_URI })).url.toString());
      const form = readForm(await response.text(), /\/login$/);
      return (password: string) => browser.request(form.action, {
        form: { ...form.fields, username: user.username, password }, headers: { 'x-forwarded-for': ip },
      });
    };
    const onFirst = await openLogin(first);
    expect((await onFirst('wrong password!')).status).toBe(401);
    expect((await onFirst('wrong password!')).status).toBe(429);
    const onSecond = await openLogin(second);
    const refused = await onSecond(user.password);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
