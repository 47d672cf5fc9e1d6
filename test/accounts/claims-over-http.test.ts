import * as oidc from 'openid-client';
import type { User } from '../../src/accounts/account-service.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';

// Standard claims (OpenID Connect Core §5.1) released by scope (§5.4) and by
// the claims parameter (§5.5), over real HTTP with openid-client, and edited
// by the person on the account profile page.
const REDIRECT_URI = 'https://claims.example.com/cb';
const SECRET = 'claims-client-secret-0123456789-0123456789';
const ada = { username: 'ada', password: 'ada-password-1' };

const PROFILE = {
  name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', middle_name: 'Augusta', nickname: 'Countess',
  picture: 'https://img.example.com/ada.png', website: 'https://ada.example.org/', profile: 'https://wiki.example.org/Ada',
  gender: 'female', birthdate: '1815-12-10', zoneinfo: 'Europe/London', locale: 'en-GB',
};
const ADDRESS = { street_address: "12 St James's Square", locality: 'London', postal_code: 'SW1Y 4LB', country: 'United Kingdom' };

describe('standard claims over HTTP', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  let user: User;

  beforeAll(async () => {
    server = await startTestServer('claims_http');
    user = await server.app.accounts.createUser({ ...ada, email: 'ada@example.com' });
    const { name, ...claims } = PROFILE;
    await server.app.accounts.updateProfile(user.id, {
      name, emailVerified: true, claims: { ...claims, phone_number: '+442079460958', phone_number_verified: true, address: ADDRESS },
    });
    await addTestClient(server.stores, {
      client_id: 'claims-app', client_secret: SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'], response_types: ['code'],
    });
    config = await discover(server.issuer, 'claims-app', SECRET);
  });
  afterAll(async () => { await server.close(); });

  async function signIn(params: Record<string, string>, browser = new HttpBrowser(server.issuer)) {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, prompt: 'consent', ...params });
    const callback = await signInAndConsent(browser, url, ada);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    const idToken = tokens.claims()!;
    return { idToken, userinfo: await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub) };
  }

  it('advertises the address and phone scopes and every standard claim in discovery', () => {
    const metadata = config.serverMetadata();
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'address', 'phone']));
    expect(metadata.claims_supported).toEqual(expect.arrayContaining([
      ...Object.keys(PROFILE), 'preferred_username', 'updated_at', 'email', 'email_verified', 'address', 'phone_number', 'phone_number_verified',
    ]));
  });

  it('releases no profile claim for scope openid alone', async () => {
    const { userinfo } = await signIn({ scope: 'openid' });
    expect(userinfo).toEqual({ sub: user.id });
  });

  it('releases exactly the claims of each granted scope (Core §5.4) in userinfo', async () => {
    const profileOnly = await signIn({ scope: 'openid profile' });
    expect(profileOnly.userinfo).toEqual({ sub: user.id, preferred_username: 'ada', ...PROFILE, updated_at: expect.any(Number) });

    const everything = await signIn({ scope: 'openid profile email address phone' });
    expect(everything.userinfo).toEqual({
      sub: user.id, preferred_username: 'ada', ...PROFILE, updated_at: expect.any(Number),
      email: 'ada@example.com', email_verified: true,
      address: ADDRESS, phone_number: '+442079460958', phone_number_verified: true,
    });

    const contactOnly = await signIn({ scope: 'openid address phone' });
    expect(contactOnly.userinfo).toEqual({ sub: user.id, address: ADDRESS, phone_number: '+442079460958', phone_number_verified: true });
  });

  it('puts the granted scopes\' claims in the ID token too (conformIdTokenClaims off)', async () => {
    const { idToken } = await signIn({ scope: 'openid profile email phone' });
    expect(idToken).toMatchObject({ ...PROFILE, email: 'ada@example.com', email_verified: true, phone_number: '+442079460958' });
    expect(idToken).not.toHaveProperty('address');
  });

  it('releases single claims asked for with the claims parameter (Core §5.5)', async () => {
    const claims = JSON.stringify({ userinfo: { birthdate: null, address: null }, id_token: { picture: { essential: true } } });
    const { idToken, userinfo } = await signIn({ scope: 'openid', claims });
    expect(userinfo).toEqual({ sub: user.id, birthdate: '1815-12-10', address: ADDRESS });
    expect(idToken.picture).toBe(PROFILE.picture);
    expect(idToken).not.toHaveProperty('given_name');
  });

  describe('the account profile page', () => {
    const bea = { username: 'bea', password: 'bea-password-1' };
    let browser: HttpBrowser;
    let csrf: string;

    beforeAll(async () => {
      await server.app.accounts.createUser(bea);
      browser = new HttpBrowser(server.issuer);
      const login = await browser.follow('/account');
      const form = readForm(await login.response.text(), /\/login$/);
      const landed = await browser.follow(form.action, { form: { ...form.fields, ...bea } });
      csrf = readForm(await landed.response.text(), /\/account\/profile$/).fields._csrf;
    });

    const post = async (fields: Record<string, string>) => {
      const response = await browser.request('/account/profile', { method: 'POST', form: { _csrf: csrf, ...fields } });
      return { status: response.status, location: response.headers.get('location'), html: await response.text() };
    };
    const stored = async () => (await server.app.accounts.findUserByUsername('bea'))!;

    it('saves the claims a person types, shows them back, and releases them to apps', async () => {
      const saved = await post({
        name: 'Bea Smith', given_name: 'Bea', family_name: 'Smith', picture: 'https://img.example.com/bea.png',
        birthdate: '1990', zoneinfo: 'America/New_York', locale: 'en-US', phone_number: '+1 (425) 555-1212',
        street_address: '1 Main St\nApt 2', locality: 'Springfield', country: 'US',
      });
      expect(saved).toMatchObject({ status: 303, location: '/account?done=profile' });
      expect((await stored()).claims).toEqual({
        given_name: 'Bea', family_name: 'Smith', picture: 'https://img.example.com/bea.png', birthdate: '1990',
        zoneinfo: 'America/New_York', locale: 'en-US', phone_number: '+14255551212',
        address: { street_address: '1 Main St\nApt 2', locality: 'Springfield', country: 'US' },
      });
      const page = await (await browser.follow('/account?done=profile')).response.text();
      expect(page).toContain('Your profile was saved.');
      expect(page).toContain('value="America/New_York"');
      expect(page).toContain('1 Main St\nApt 2</textarea>');
      // The person set the number; nobody verified it.
      expect(page).toContain('Not verified.');
    });

    it('refuses bad values with what was wrong, keeps what was typed, and stores nothing', async () => {
      const before = await stored();
      const refused = await post({ given_name: 'Beatrice', birthdate: '31/12/1990', website: 'ftp://bea.example.org', zoneinfo: 'Mars/Base' });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('Your profile was not saved.');
      expect(refused.html).toContain('Birthdate must be YYYY or YYYY-MM-DD');
      expect(refused.html).toContain('Website must be an http or https URL');
      expect(refused.html).toContain('Time zone must be an IANA time zone');
      expect(refused.html).toContain('value="Beatrice"');
      expect((await stored()).claims).toEqual(before.claims);
    });

    it('removes a claim left empty', async () => {
      expect((await post({ picture: '', street_address: '', locality: '', country: '' })).status).toBe(303);
      const after = (await stored()).claims;
      expect(after).not.toHaveProperty('picture');
      expect(after).not.toHaveProperty('address');
      expect(after.given_name).toBe('Bea');
    });
  });
});
