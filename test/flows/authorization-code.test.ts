import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';

const REDIRECT_URI = 'https://app.example.com/callback';
const user = { username: 'ada@example.com', password: 'correct horse battery' };

describe('authorization code + PKCE against Postgres and Redis', () => {
  let server: TestServer;
  let config: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer('authorization_code');
    await server.app.accounts.createUser({ ...user, name: 'Ada Lovelace', email: 'ada@example.com' });
    await addTestClient(server.stores, {
      client_id: 'web-app',
      client_secret: 'a-very-long-client-secret-for-the-web-app-0123456789',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'Web App',
    });
    config = await discover(server.issuer, 'web-app', 'a-very-long-client-secret-for-the-web-app-0123456789');
  });
  afterAll(async () => { await server.close(); });

  async function authorize(scope = 'openid profile email offline_access') {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope, prompt: 'consent' });
    const callbackUrl = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    return oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });
  }

  it('issues ID, access and refresh tokens that a real client validates, and serves userinfo', async () => {
    const tokens = await authorize();
    const claims = tokens.claims();
    expect(claims?.iss).toBe(server.issuer);
    expect(claims?.aud).toBe('web-app');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims!.sub);
    expect(userinfo).toMatchObject({ sub: claims!.sub, email: 'ada@example.com', name: 'Ada Lovelace' });
  });

  it('rotates refresh tokens and revokes the whole family when a rotated one is reused', async () => {
    const tokens = await authorize();
    const first = tokens.refresh_token!;
    const rotated = await oidc.refreshTokenGrant(config, first);
    expect(rotated.refresh_token).toBeDefined();
    expect(rotated.refresh_token).not.toBe(first);

    await expect(oidc.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The reuse revoked the family: the newest refresh token and its access token are dead too.
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const introspection = await oidc.tokenIntrospection(config, rotated.access_token);
    expect(introspection.active).toBe(false);
  });

  it('refuses a wrong PKCE verifier and a code used twice', async () => {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI });
    const callbackUrl = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    await expect(oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
    // A failed PKCE check does not consume the code (oidc-provider checks PKCE first) — but a replay after success must fail.
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });
    expect(tokens.access_token).toBeDefined();
    await expect(oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  it('requires PKCE and refuses the plain method', async () => {
    const base = { client_id: 'web-app', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state: 'xyz' };
    const noPkce = await fetch(`${server.issuer}/auth?${new URLSearchParams(base)}`, { redirect: 'manual' });
    expect(new URL(noPkce.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    const plain = await fetch(`${server.issuer}/auth?${new URLSearchParams({ ...base, code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' })}`, { redirect: 'manual' });
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it('denies: consent Deny returns access_denied to the client', async () => {
    const { url } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, prompt: 'consent' });
    const callbackUrl = await signInAndConsent(new HttpBrowser(server.issuer), url, user, 'deny');
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');
  });

  it('shows a readable error page, not a redirect, for an unregistered redirect_uri', async () => {
    const { url } = await buildAuthorization(config, { redirect_uri: 'https://evil.example.net/cb' });
    const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('redirect_uri');
  });
});
