import * as oidc from 'openid-client';
import { updateUser } from '../../src/accounts/users-repository.js';
import { createClientService } from '../../src/clients/client-service.js';
import { updateClientRow } from '../../src/clients/clients-repository.js';
import { KNOWN_SCOPES } from '../../src/scopes/scope-catalog.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent, oauthErrorOf } from '../support/oidc-flow.js';

const REDIRECT_URI = 'https://cascade.example.com/cb';
const APP_SECRET = 'cascade-app-secret-0123456789-0123456789-0123';
const API_SECRET = 'cascade-api-secret-0123456789-0123456789-0123';
const API = 'https://cascade-api.example.com/';

describe('disabling a user or a client takes effect at once', () => {
  let server: TestServer;
  let app: oidc.Configuration;
  let api: oidc.Configuration;
  let userId: string;
  const user = { username: 'grace', password: 'grace-password-1' };

  beforeAll(async () => {
    server = await startTestServer('disable_cascade', {
      // An opaque API whose own client introspects the tokens meant for it (RFC 7662 §4).
      resourceServers: [{ identifier: API, name: 'Cascade API', scopes: ['profile'], accessTokenFormat: 'opaque', introspectingClients: ['cascade-api'] }],
    });
    userId = (await server.app.accounts.createUser(user)).id;
    await addTestClient(server.stores, {
      client_id: 'cascade-app', client_secret: APP_SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    });
    // The resource server's client: introspects tokens issued to other clients for that API.
    await addTestClient(server.stores, { client_id: 'cascade-api', client_secret: API_SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    app = await discover(server.issuer, 'cascade-app', APP_SECRET);
    api = await discover(server.issuer, 'cascade-api', API_SECRET);
  });
  afterAll(async () => { await server.close(); });

  /** Tokens for userinfo, or (with `resource`) an access token for the API, which the API's client may introspect. */
  async function signIn(resource?: string) {
    const extra: Record<string, string> = resource ? { resource, scope: 'openid profile offline_access' } : { scope: 'openid offline_access' };
    const { url, codeVerifier, state } = await buildAuthorization(app, { redirect_uri: REDIRECT_URI, prompt: 'consent', ...extra });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    return oidc.authorizationCodeGrant(app, callback, { pkceCodeVerifier: codeVerifier, expectedState: state }, resource ? { resource } : undefined);
  }

  async function userinfoStatus(accessToken: string): Promise<{ status: number; challenge: string | null }> {
    const response = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    return { status: response.status, challenge: response.headers.get('www-authenticate') };
  }

  it('introspection checks the account itself: an inactive user\'s token is inactive even before anything is revoked', async () => {
    const tokens = await signIn(API);
    const plain = await signIn();
    expect((await oidc.tokenIntrospection(api, tokens.access_token)).active).toBe(true);
    // Flip the flag behind the service's back: nothing revoked, only the policy decides.
    await updateUser(server.stores.handle.db, userId, { active: false });
    try {
      expect(await oidc.tokenIntrospection(api, tokens.access_token)).toEqual({ active: false });
      expect(await oidc.tokenIntrospection(app, tokens.access_token)).toEqual({ active: false });
      expect(await oidc.tokenIntrospection(app, tokens.refresh_token!)).toEqual({ active: false });
      const userinfo = await userinfoStatus(plain.access_token);
      expect(userinfo.status).toBe(401);
      expect(userinfo.challenge).toMatch(/invalid_token/);
    } finally {
      await updateUser(server.stores.handle.db, userId, { active: true });
    }
    expect((await oidc.tokenIntrospection(api, tokens.access_token)).active).toBe(true);
    expect((await oidc.tokenIntrospection(app, tokens.refresh_token!)).active).toBe(true);
  });

  it('disabling a user through the service revokes sessions, grants and tokens', async () => {
    const tokens = await signIn(API);
    const plain = await signIn();
    await server.app.accounts.setActive(userId, false);
    expect((await oidc.tokenIntrospection(api, tokens.access_token)).active).toBe(false);
    expect((await userinfoStatus(plain.access_token)).status).toBe(401);
    await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const { db } = server.stores.handle;
    for (const table of ['oidc_access_tokens', 'oidc_refresh_tokens', 'oidc_grants', 'oidc_sessions'] as const) {
      expect(await db.selectFrom(table).select('id').where('account_id', '=', userId).execute()).toEqual([]);
    }
    // Re-enabling brings the person back, not what was revoked.
    await server.app.accounts.setActive(userId, true);
    expect((await oidc.tokenIntrospection(api, tokens.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('introspection checks the client too: a disabled client\'s token is inactive, without a server error', async () => {
    const tokens = await signIn(API);
    const plain = await signIn();
    await updateClientRow(server.stores.handle.db, 'cascade-app', { active: false });
    try {
      expect(await oidc.tokenIntrospection(api, tokens.access_token)).toEqual({ active: false });
      expect((await userinfoStatus(plain.access_token)).status).toBe(401);
      expect(await oauthErrorOf(oidc.refreshTokenGrant(app, tokens.refresh_token!))).toBe('invalid_client');
    } finally {
      await updateClientRow(server.stores.handle.db, 'cascade-app', { active: true });
    }
    expect((await oidc.tokenIntrospection(api, tokens.access_token)).active).toBe(true);
  });

  it('disabling and deleting a client through the service revokes its tokens for good', async () => {
    const service = createClientService({ db: server.stores.handle.db, supportedScopes: KNOWN_SCOPES });
    const first = await signIn(API);
    await service.setActive('cascade-app', false);
    await service.setActive('cascade-app', true);
    expect((await oidc.tokenIntrospection(api, first.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(app, first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    const second = await signIn(API);
    const plain = await signIn();
    await service.deleteClient('cascade-app');
    expect((await oidc.tokenIntrospection(api, second.access_token)).active).toBe(false);
    expect((await userinfoStatus(plain.access_token)).status).toBe(401);
    expect(await oauthErrorOf(oidc.refreshTokenGrant(app, second.refresh_token!))).toBe('invalid_client');
  });
});
