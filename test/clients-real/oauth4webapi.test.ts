import { calculateJwkThumbprint, decodeJwt, exportJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { HttpBrowser } from '../support/http-browser.js';
import { completeInteractions } from '../support/oidc-flow.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// oauth4webapi 3.8 (panva's low-level OAuth client) as a real relying party:
// a pushed authorization request (RFC 9126) with a DPoP key (RFC 9449 §10,
// dpop_jkt from the PAR's DPoP header), the code exchanged with a DPoP proof,
// the DPoP-bound JWT access token used at the example API (/api/me), and a
// DPoP-bound refresh. Every request is made by the library itself.
const REDIRECT_URI = 'https://par-dpop.example.com/cb';
const user = { username: 'dorothy', password: 'dorothy-password-1' };
// The library refuses plain http unless told: the test issuer is http://127.0.0.1.
const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('oauth4webapi: PAR + DPoP to the example API', () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  let api: string;
  const client: oauth.Client = { client_id: 'par-dpop-app' };
  const auth = oauth.None();
  let keys: Awaited<ReturnType<typeof oauth.generateKeyPair>>;
  let DPoP: oauth.DPoPHandle;

  beforeAll(async () => {
    server = await startTestServer('rp_oauth4webapi', {
      clients: [{
        clientId: 'par-dpop-app', name: 'PAR and DPoP app', type: 'public', tokenEndpointAuthMethod: 'none', redirectUris: [REDIRECT_URI],
        grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email', 'offline_access'],
        requirePar: true, requireDpop: true,
      }],
    });
    api = `${server.issuer}/api`;
    const created = await server.app.accounts.createUser({ ...user, email: 'dorothy@example.com' });
    await server.app.accounts.updateProfile(created.id, { name: 'Dorothy Vaughan' });
    const issuer = new URL(server.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    keys = await oauth.generateKeyPair('ES256');
    DPoP = oauth.DPoP(client, keys);
  });
  afterAll(async () => { await server.close(); });

  let tokens: oauth.TokenEndpointResponse;

  it('pushes the request, signs in, and exchanges the code for a DPoP-bound token for the API', async () => {
    expect(as.pushed_authorization_request_endpoint).toBe(`${server.issuer}/request`);
    expect(as.require_pushed_authorization_requests).not.toBe(true); // per client (requirePar), not server-wide
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const pushed = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, auth, {
      response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid profile offline_access', prompt: 'consent', resource: api, state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }, { DPoP, ...insecure }));
    expect(pushed.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);

    const authorize = new URL(as.authorization_endpoint!);
    authorize.search = new URLSearchParams({ client_id: client.client_id, request_uri: pushed.request_uri }).toString();
    const browser = new HttpBrowser(server.issuer);
    const finished = await completeInteractions(browser, await browser.follow(authorize.toString()), user);
    expect(finished.html).toBeUndefined();
    expect(finished.url.origin + finished.url.pathname).toBe(REDIRECT_URI);

    const callback = oauth.validateAuthResponse(as, client, finished.url, state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, REDIRECT_URI, verifier, { DPoP, ...insecure });
    tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { requireIdToken: true });
    expect(tokens.token_type).toBe('dpop');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      aud: api, scope: 'profile', cnf: { jkt: await calculateJwkThumbprint(await exportJWK(keys.publicKey)) },
    });
  });

  it('calls /api/me with the bound token and a fresh proof; the token alone is refused', async () => {
    const me = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(`${api}/me`), undefined, undefined, { DPoP, ...insecure });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ preferred_username: 'dorothy', name: 'Dorothy Vaughan' });

    const asBearer = await fetch(`${api}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(asBearer.status).toBe(401);
  });

  it('refreshes with a proof of the same key, and the new token works at the API', async () => {
    const response = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, { DPoP, ...insecure });
    const refreshed = await oauth.processRefreshTokenResponse(as, client, response);
    expect(refreshed.token_type).toBe('dpop');
    const me = await oauth.protectedResourceRequest(refreshed.access_token, 'GET', new URL(`${api}/me`), undefined, undefined, { DPoP, ...insecure });
    expect(me.status).toBe(200);

    // RFC 9449 §5: a public client's refresh token is bound to its key too.
    const otherKey = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const stolen = await oauth.refreshTokenGrantRequest(as, client, auth, refreshed.refresh_token!, { DPoP: otherKey, ...insecure });
    await expect(oauth.processRefreshTokenResponse(as, client, stolen)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
