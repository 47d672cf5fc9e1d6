import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';

const REDIRECT_URI = 'https://app.example.com/callback';
const SECRET = 'api-client-secret-0123456789-0123456789-abc';
const REPORTS = 'https://reports.example.com/';
const user = { username: 'grace@example.com', password: 'correct horse battery' };

describe('the example API with RFC 8707 resource indicators and RFC 9068 JWT access tokens', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  let api: string;

  beforeAll(async () => {
    server = await startTestServer('protected_api', {
      resourceServers: [
        { identifier: '/api', name: 'Example API', scopes: ['profile', 'email'], accessTokenFormat: 'jwt', accessTokenTtl: 300 },
        // Another API that also accepts `profile`, and one scope only it knows.
        { identifier: REPORTS, name: 'Reports', scopes: ['profile', { name: 'reports:read', description: 'Read your reports' }], accessTokenFormat: 'jwt' },
      ],
    });
    api = `${server.issuer}/api`;
    await server.app.accounts.createUser({ ...user, name: 'Grace Hopper', email: 'grace@example.com' });
    await addTestClient(server.stores, {
      client_id: 'api-app',
      client_secret: SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    config = await discover(server.issuer, 'api-app', SECRET);
  });
  afterAll(async () => { await server.close(); });

  async function tokensFor(resource: string, scope: string) {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope, resource });
    const callbackUrl = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    return oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state }, { resource });
  }

  function callApi(path: string, token?: string, scheme = 'Bearer') {
    return fetch(`${server.issuer}${path}`, { headers: token ? { authorization: `${scheme} ${token}` } : {} });
  }

  it('issues a JWT access token for the API only and the API answers /api/me and /api/me/email', async () => {
    const tokens = await tokensFor(api, 'openid profile email');
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ iss: server.issuer, aud: api, client_id: 'api-app', sub: expect.any(String), jti: expect.any(String) });
    expect(new Set(String(claims.scope).split(' '))).toEqual(new Set(['profile', 'email']));
    expect(claims.exp! - claims.iat!).toBe(300);

    const me = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(`${api}/me`), 'GET');
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(await me.json()).toEqual({ sub: claims.sub, preferred_username: user.username, name: 'Grace Hopper', updated_at: expect.any(Number) });
    const email = await callApi('/api/me/email', tokens.access_token);
    expect(await email.json()).toEqual({ sub: claims.sub, email: 'grace@example.com', email_verified: false });
  });

  it('answers 403 insufficient_scope naming the scope when the token lacks it', async () => {
    const tokens = await tokensFor(api, 'openid profile');
    const response = await callApi('/api/me/email', tokens.access_token);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+", error="insufficient_scope", error_description="[^"]+", scope="email"/);
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('answers 401 without an error code when no token is sent, and never reads the query string', async () => {
    const tokens = await tokensFor(api, 'openid profile');
    for (const response of [await callApi('/api/me'), await fetch(`${api}/me?access_token=${tokens.access_token}`)]) {
      expect(response.status).toBe(401);
      const challenge = response.headers.get('www-authenticate')!;
      expect(challenge).toMatch(/^Bearer realm="/);
      expect(challenge).not.toContain('error=');
    }
  });

  it('answers 400 invalid_request for a malformed Authorization header', async () => {
    for (const header of ['Bearer', 'Basic dXNlcjpwYXNz', 'Bearer a b']) {
      const response = await fetch(`${api}/me`, { headers: { authorization: header } });
      expect(response.status).toBe(400);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_request"');
    }
  });

  it('answers 401 invalid_token for a token of another API (audience), an ID token and garbage', async () => {
    const reports = await tokensFor(REPORTS, 'openid profile');
    expect(decodeJwt(reports.access_token)).toMatchObject({ aud: REPORTS, scope: 'profile' });
    const idToken = (await tokensFor(api, 'openid profile')).id_token!;
    for (const token of [reports.access_token, idToken, 'not-a-token']) {
      const response = await callApi('/api/me', token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it('refuses an unknown resource (invalid_target) and another API\'s scope (invalid_scope)', async () => {
    const unknown = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, resource: 'https://unknown.example.com/', scope: 'openid profile' });
    const unknownAt = await fetch(unknown.url, { redirect: 'manual' });
    expect(new URL(unknownAt.headers.get('location')!).searchParams.get('error')).toBe('invalid_target');

    const stray = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, resource: api, scope: 'openid profile reports:read' });
    const strayAt = await fetch(stray.url, { redirect: 'manual' });
    const location = new URL(strayAt.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('error_description')).toContain('reports:read');
  });

  it('keeps giving API tokens on refresh, and a userinfo token (useless at the API) without resource', async () => {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile offline_access', resource: api, prompt: 'consent' });
    const callbackUrl = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    // No `resource` at the token endpoint: the one granted is used (useGrantedResource).
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });
    expect(decodeJwt(tokens.access_token).aud).toBe(api);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ aud: api, scope: 'profile' });
    expect((await callApi('/api/me', refreshed.access_token)).status).toBe(200);

    const plain = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile' });
    const plainCallback = await signInAndConsent(new HttpBrowser(server.issuer), plain.url, user);
    const userinfoTokens = await oidc.authorizationCodeGrant(config, plainCallback, { pkceCodeVerifier: plain.codeVerifier, expectedState: plain.state });
    expect(userinfoTokens.access_token.split('.')).toHaveLength(1);
    expect((await callApi('/api/me', userinfoTokens.access_token)).status).toBe(401);
  });
});
