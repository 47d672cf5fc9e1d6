import { HttpBrowser } from '../support/http-browser.js';
import { completeInteractions } from '../support/oidc-flow.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startPassportRelyingParty, type PassportProfile, type PassportRelyingParty } from './passport-rp.js';

// passport-openidconnect 0.1.2 (the Express strategy many Node apps use) as
// a server-side relying party on its own loopback origin. It has no PKCE
// support and sends its secret in the form body (node-oauth), so its client
// is confidential with `pkce: 'optional'` and `client_secret_post`. With a
// three-argument verify callback it reads the profile from the ID token
// alone, as Auth.js does by default: the granted scopes' claims must be there.
const user = { username: 'grace', password: 'grace-password-1' };
const SECRETS = { PASSPORT_RP_SECRET: 'passport-rp-secret-0123456789-0123456789-ab', PASSPORT_STRICT_SECRET: 'passport-strict-secret-0123456789-0123456789' };

describe('passport-openidconnect as an Express relying party', () => {
  let server: TestServer;
  let rp: PassportRelyingParty;

  beforeAll(async () => {
    rp = await startPassportRelyingParty();
    const client = { type: 'confidential' as const, redirectUris: [rp.callbackUrl], grantTypes: ['authorization_code' as const], scopes: ['openid', 'profile', 'email'], tokenEndpointAuthMethod: 'client_secret_post' as const };
    server = await startTestServer('rp_passport', {
      env: SECRETS,
      clients: [
        { ...client, clientId: 'passport-app', name: 'Passport App', secretEnv: 'PASSPORT_RP_SECRET', pkce: 'optional' },
        { ...client, clientId: 'passport-strict', name: 'Passport Strict', secretEnv: 'PASSPORT_STRICT_SECRET' },
      ],
    });
    const grace = await server.app.accounts.createUser({ ...user, email: 'grace@example.com' });
    await server.app.accounts.updateProfile(grace.id, { name: 'Grace Hopper', emailVerified: true, claims: { given_name: 'Grace', family_name: 'Hopper', middle_name: 'Brewster' } });
  });
  afterAll(async () => {
    await rp?.close();
    await server?.close();
  });

  /** /login at the app → the provider's pages → back to the app's /cb → the app's answer. */
  async function signInAtTheApp(): Promise<{ status: number; body: Record<string, unknown> }> {
    const app = new HttpBrowser(rp.origin);
    const provider = new HttpBrowser(server.issuer);
    const toProvider = await app.follow('/login');
    expect(new URL(toProvider.url).origin).toBe(server.issuer);
    const start = await provider.follow(toProvider.url);
    // An authorization request the server refuses comes straight back to the app.
    const back = new URL(start.url).origin === rp.origin ? new URL(start.url) : (await completeInteractions(provider, start, user)).url;
    expect(back.origin).toBe(rp.origin);
    const landed = await app.follow(back.toString());
    return { status: landed.response.status, body: await landed.response.json() as Record<string, unknown> };
  }

  it('is refused by a client with the default PKCE requirement (the library cannot send PKCE)', async () => {
    rp.configure({ issuer: server.issuer, clientId: 'passport-strict', clientSecret: SECRETS.PASSPORT_STRICT_SECRET, scope: ['profile', 'email'] });
    const { status, body } = await signInAtTheApp();
    expect(status).toBe(500);
    expect(body).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/PKCE/) });
  });

  it('signs in with a confidential client whose PKCE is optional, and receives the profile from the ID token', async () => {
    rp.configure({ issuer: server.issuer, clientId: 'passport-app', clientSecret: SECRETS.PASSPORT_RP_SECRET, scope: ['profile', 'email'] });
    const { status, body } = await signInAtTheApp();
    expect(status).toBe(200);
    const { iss, profile } = body.user as { iss: string; profile: PassportProfile };
    expect(iss).toBe(server.issuer);
    expect(profile).toEqual({
      id: expect.any(String),
      displayName: 'Grace Hopper',
      username: 'grace',
      name: { givenName: 'Grace', familyName: 'Hopper', middleName: 'Brewster' },
      emails: [{ value: 'grace@example.com' }],
    });
    expect(profile.id).toBe((await server.app.accounts.findUserByUsername('grace'))!.id);
  });
});
