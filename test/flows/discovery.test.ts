import { createLocalJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';

describe('discovery and JWKS', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer('discovery'); });
  afterAll(async () => { await server.close(); });

  it('advertises every endpoint, S256 only and the four grant types', async () => {
    const response = await fetch(`${server.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const metadata = await response.json() as Record<string, string | string[]>;
    expect(metadata).toMatchObject({
      issuer: server.issuer,
      authorization_endpoint: `${server.issuer}/auth`,
      token_endpoint: `${server.issuer}/token`,
      userinfo_endpoint: `${server.issuer}/me`,
      jwks_uri: `${server.issuer}/jwks`,
      introspection_endpoint: `${server.issuer}/token/introspection`,
      revocation_endpoint: `${server.issuer}/token/revocation`,
      device_authorization_endpoint: `${server.issuer}/device/auth`,
      end_session_endpoint: `${server.issuer}/session/end`,
      code_challenge_methods_supported: ['S256'],
    });
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining([
      'authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code',
    ]));
    expect(metadata.grant_types_supported).not.toContain('password');
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    expect(metadata.token_endpoint_auth_methods_supported).not.toContain('client_secret_jwt');
    expect(metadata.response_types_supported).toEqual(['code', 'none']);
    // No registration endpoint while REGISTRATION_TOKEN is unset.
    expect(metadata.registration_endpoint).toBeUndefined();
  });

  it('publishes only public keys, and they verify issued ID tokens', async () => {
    const jwks = await (await fetch(`${server.issuer}/jwks`)).json() as { keys: Array<Record<string, string>> };
    expect(jwks.keys.length).toBeGreaterThanOrEqual(2);
    for (const key of jwks.keys) {
      expect(key.d).toBeUndefined();
      expect(key.kid).toEqual(expect.any(String));
    }

    await server.app.accounts.createUser({ username: 'grace', password: 'hopper-password-1' });
    await addTestClient(server.stores, {
      client_id: 'jwks-app', client_secret: 'jwks-app-secret-0123456789-0123456789', redirect_uris: ['https://jwks.example.com/cb'],
    });
    const config = await discover(server.issuer, 'jwks-app', 'jwks-app-secret-0123456789-0123456789');
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: 'https://jwks.example.com/cb' });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, { username: 'grace', password: 'hopper-password-1' });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]), { issuer: server.issuer, audience: 'jwks-app' });
    expect(payload.sub).toEqual(expect.any(String));
    expect(jwks.keys.map((key) => key.kid)).toContain(protectedHeader.kid);
  });
});
