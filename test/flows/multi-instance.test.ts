import * as oidc from 'openid-client';
import { createAccountService } from '../../src/accounts/account-service.js';
import { addTestClient } from '../support/test-server.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startTestProxy, type TestProxy } from '../support/test-proxy.js';

const WEB_SECRET = 'web-app-secret-0123456789-0123456789-abcdef';
const REDIRECT_URI = 'https://app.example.com/callback';
const user = { username: 'ada@example.com', password: 'correct horse battery' };
const A = 0;
const B = 1;

/**
 * Two real server processes on different ports share one issuer (the origin
 * of a reverse proxy in front of them, TRUST_PROXY=true) and the same Postgres
 * schema and Redis prefix: whatever one instance starts, the other finishes.
 */
describe('two instances behind one issuer', () => {
  let stores: TestStores;
  let proxy: TestProxy;
  const instances: ServerProcess[] = [];
  let config: oidc.Configuration;

  beforeAll(async () => {
    stores = await createTestStores('multi_instance');
    await createAccountService({ db: stores.handle.db, bcryptCost: 4 }).createUser({ ...user, name: 'Ada', email: user.username });
    await addTestClient(stores, {
      client_id: 'web-app', client_secret: WEB_SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    });
    // The issuer is the proxy's origin, so the proxy starts first; each
    // instance binds port 0 and reports its port, which then becomes the
    // proxy's upstream (it reads `upstreams` per request). No port is
    // picked in advance and raced for.
    const upstreams = [0, 0];
    proxy = await startTestProxy(upstreams);
    for (const index of [A, B]) {
      // One after the other: the first start creates the signing and cookie keys both then share.
      const instance = await startServerProcess({
        ...stores.env, PORT: '0', HOST: '127.0.0.1', ISSUER: proxy.origin, TRUST_PROXY: 'true', SHUTDOWN_TIMEOUT_MS: '2000',
      });
      instances.push(instance);
      upstreams[index] = instance.port;
    }
    config = await discover(proxy.origin, 'web-app', WEB_SECRET);
  });

  afterAll(async () => {
    await proxy?.close();
    for (const instance of instances) instance.child.kill('SIGTERM');
    await Promise.all(instances.map((instance) => instance.exited));
    await stores.cleanup();
  });

  beforeEach(() => { proxy.target = 'round-robin'; });

  it('publishes identical discovery on both instances', async () => {
    proxy.target = A;
    const fromA = await (await fetch(`${proxy.origin}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    proxy.target = B;
    const fromB = await (await fetch(`${proxy.origin}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(fromA.issuer).toBe(proxy.origin);
    expect(fromB).toEqual(fromA);
    expect(fromA.token_endpoint).toBe(`${proxy.origin}/token`);
  });

  it('finishes on B a sign-in started on A, and redeems B\'s code at A', async () => {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, prompt: 'consent' });
    const browser = new HttpBrowser(proxy.origin);
    proxy.target = A;
    const served = [...proxy.served];
    const loginPage = await browser.follow(url.toString());
    const login = readForm(await loginPage.response.text(), /\/login$/);
    const consentPage = await browser.follow(login.action, { form: { ...login.fields, ...user } });
    const consent = readForm(await consentPage.response.text(), /\/confirm$/);
    expect(proxy.served[B]).toBe(served[B]);

    proxy.target = B;
    const finished = await browser.follow(consent.action, { form: consent.fields });
    const callback = new URL(finished.url);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));

    proxy.target = A;
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    expect(tokens.claims()?.iss).toBe(proxy.origin);
  });

  it('redeems at B a code issued by A; introspects at A a token from B; a revocation on one is seen at once on the other', async () => {
    proxy.target = A;
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const callback = await signInAndConsent(new HttpBrowser(proxy.origin), url, user);

    proxy.target = B;
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    proxy.target = A;
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true, client_id: 'web-app' });

    await oidc.tokenRevocation(config, tokens.access_token);
    proxy.target = B;
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    const userinfo = await fetch(`${proxy.origin}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(401);
    expect(userinfo.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    await oidc.tokenRevocation(config, tokens.refresh_token!);
    proxy.target = A;
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The code is spent everywhere, not only where it was redeemed.
    await expect(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
