import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { Router } from '@koa/router';
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { createIntrospectionVerifier } from '../../src/api/access-token-verifiers.js';
import { accessTokenOf, createBearerAuth } from '../../src/api/bearer-auth.js';
import { requireScope } from '../../src/api/require-scope.js';
import { loadSigningKeys } from '../../src/oidc/keys/load-signing-keys.js';
import { createSecretBox } from '../../src/oidc/keys/secret-box.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';

const REDIRECT_URI = 'https://app.example.com/callback';
const SECRET = 'lifetime-client-secret-0123456789-0123456789';
const API_SECRET = 'opaque-api-secret-0123456789-0123456789-abc';
const OPAQUE_API = 'https://opaque.example.com/';
const user = { username: 'katherine@example.com', password: 'correct horse battery' };

/** A separate Koa service protecting itself with src/api/ in introspection mode, the way another team would. */
async function startOpaqueService(issuer: string): Promise<{ url: string; server: Server }> {
  const app = new Koa();
  const router = new Router();
  router.use(createBearerAuth({
    realm: OPAQUE_API,
    verify: createIntrospectionVerifier({ introspectionEndpoint: `${issuer}/token/introspection`, clientId: 'opaque-api', clientSecret: API_SECRET, audience: OPAQUE_API }),
  }));
  router.get('/reports', requireScope('reports:read'), (ctx) => { ctx.body = { for: accessTokenOf(ctx).subject }; });
  app.use(router.routes());
  const server = createServer(app.callback()).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('revocation and expiry at the API: JWT (local validation) and opaque (introspection)', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  let service: { url: string; server: Server };

  beforeAll(async () => {
    server = await startTestServer('api_lifetime', {
      resourceServers: [
        { identifier: '/api', name: 'Example API', scopes: ['profile', 'email'], accessTokenFormat: 'jwt', accessTokenTtl: 300 },
        // The opaque API names its own client as the one that introspects its tokens (RFC 7662 §4).
        { identifier: OPAQUE_API, name: 'Reports', scopes: [{ name: 'reports:read', description: 'Read your reports' }], accessTokenFormat: 'opaque', introspectingClients: ['opaque-api'] },
      ],
    });
    await server.app.accounts.createUser({ ...user, name: 'Katherine Johnson' });
    await addTestClient(server.stores, {
      client_id: 'lifetime-app', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    });
    // The opaque API's own confidential client, used only to introspect tokens meant for it.
    await addTestClient(server.stores, { client_id: 'opaque-api', client_secret: API_SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    config = await discover(server.issuer, 'lifetime-app', SECRET);
    service = await startOpaqueService(server.issuer);
  });
  afterAll(async () => {
    service.server.closeAllConnections();
    await new Promise<void>((resolve) => { service.server.close(() => resolve()); });
    await server.close();
  });

  async function tokensFor(resource: string, scope: string) {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope, resource, prompt: 'consent' });
    const callbackUrl = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    return oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state }, { resource });
  }

  it('opaque mode: revocation is refused by the API at once', async () => {
    const tokens = await tokensFor(OPAQUE_API, 'openid reports:read');
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const before = await fetch(`${service.url}/reports`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({ for: expect.any(String) });

    await oidc.tokenRevocation(config, tokens.access_token);
    const after = await fetch(`${service.url}/reports`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('opaque mode: a token for another API is refused (audience) even though it introspects active', async () => {
    const jwt = await tokensFor(`${server.issuer}/api`, 'openid profile');
    const response = await fetch(`${service.url}/reports`, { headers: { authorization: `Bearer ${jwt.access_token}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_token', error_description: expect.stringContaining('another API') });
  });

  it('JWT mode: the server refuses to introspect or revoke a JWT; revoking the grant stops refreshes at once', async () => {
    const tokens = await tokensFor(`${server.issuer}/api`, 'openid profile offline_access');
    // oidc-provider: "Structured JWT Tokens cannot be introspected / revoked" (RFC 7009 §2.2.1 unsupported_token_type).
    await expect(oidc.tokenIntrospection(config, tokens.access_token)).rejects.toMatchObject({ error: 'unsupported_token_type' });
    await expect(oidc.tokenRevocation(config, tokens.access_token)).rejects.toMatchObject({ error: 'unsupported_token_type' });

    await oidc.tokenRevocation(config, tokens.refresh_token!);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('JWT mode: after revocation the API still accepts the token until its short lifetime ends, then 401', async () => {
    const tokens = await tokensFor(`${server.issuer}/api`, 'openid profile offline_access');
    const claims = decodeJwt(tokens.access_token);
    await oidc.tokenRevocation(config, tokens.refresh_token!);

    // The documented trade-off: local validation cannot see the revocation…
    const meanwhile = await fetch(`${server.issuer}/api/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(meanwhile.status).toBe(200);
    // …and the API's token lifetime bounds it.
    expect(claims.exp! - claims.iat!).toBe(300);
    // The same token once its lifetime is over, without waiting for it: re-signed
    // with the server's own key and its times moved back past that lifetime.
    const { kid } = decodeProtectedHeader(tokens.access_token);
    const keys = await loadSigningKeys(server.stores.handle.db, createSecretBox(server.stores.config.keyEncryptionSecret));
    const jwk = keys.find((key) => key.kid === kid)!;
    const now = Math.floor(Date.now() / 1000);
    const later = await new SignJWT({ ...claims, iat: now - 400, exp: now - 100 })
      .setProtectedHeader({ alg: jwk.alg, kid, typ: 'at+jwt' })
      .sign(await importJWK(jwk, jwk.alg));
    const expired = await fetch(`${server.issuer}/api/me`, { headers: { authorization: `Bearer ${later}` } });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: 'invalid_token', error_description: 'the access token expired' });
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});
