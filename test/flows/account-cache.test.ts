import * as oidc from 'openid-client';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

// Issue 17: userinfo, refresh and introspection's liveness check read active
// accounts' claims from memory (src/oidc/cached-account-claims.ts), kept
// honest by the `users` change notifications like the client cache. A change
// to the user shows at once on every instance; a user made inactive behind the
// services' back (no token revoked) is refused as soon as the change is heard.
const REDIRECT_URI = 'https://cache.example.com/cb';
const SECRET = 'account-cache-secret-0123456789-0123456789';
const grace = { username: 'grace', password: 'grace-password-1' };

describe('account claims served from memory', () => {
  let server: TestServer;
  let second: TestServer;
  let config: oidc.Configuration;
  let accessToken: string;
  let userId: string;

  beforeAll(async () => {
    server = await startTestServer('account_cache');
    // A second instance on the same stores: a change made through one is heard by both.
    second = await startTestServer('account_cache', { stores: server.stores });
    userId = (await server.app.accounts.createUser({ ...grace, email: 'grace@example.com' })).id;
    await server.app.accounts.updateProfile(userId, { name: 'Grace Hopper' });
    await addTestClient(server.stores, {
      client_id: 'cache-app', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    });
    config = await discover(server.issuer, 'cache-app', SECRET);
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile', prompt: 'consent' });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, grace);
    accessToken = (await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state })).access_token;
  });
  afterAll(async () => {
    await second.close({ keepStores: true });
    await server.close();
  });

  const userinfo = async (issuer: string) => {
    const response = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    return { status: response.status, body: response.status === 200 ? await response.json() as { name?: string } : undefined };
  };
  const active = async (issuer: string) => {
    const response = await fetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`cache-app:${SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ token: accessToken }),
    });
    return (await response.json() as { active: boolean }).active;
  };

  it('shows a changed name on every instance once the change is announced', async () => {
    // Both instances have the account in memory now.
    for (const { issuer } of [server, second]) {
      expect(await userinfo(issuer)).toMatchObject({ status: 200, body: { name: 'Grace Hopper' } });
      expect(await active(issuer)).toBe(true);
    }
    await server.app.accounts.updateProfile(userId, { name: 'Rear Admiral Hopper' });
    for (const { issuer } of [server, second]) {
      await waitFor(`the new name at ${issuer}`, async () => (await userinfo(issuer)).body?.name === 'Rear Admiral Hopper');
    }
  });

  it('refuses a token of a user made inactive, on every instance, without a token being revoked', async () => {
    await server.stores.handle.db.updateTable('users').set({ active: false }).where('id', '=', userId).execute();
    for (const { issuer } of [server, second]) {
      await waitFor(`introspection inactive at ${issuer}`, async () => (await active(issuer)) === false);
      expect((await userinfo(issuer)).status).toBe(401);
    }
    // The token row itself is still there: the refusal came from the account check.
    expect(await server.stores.handle.db.selectFrom('oidc_access_tokens').select('id').executeTakeFirst()).toBeDefined();
  });
});
