import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startSpaPageServer, type SpaPageServer } from './spa-page-server.js';

// oidc-client-ts 3.5 (the most used SPA library) in headless Chromium, in a
// page on its own loopback origin: code + PKCE with CORS, userinfo, refresh
// with offline_access, and a sign-out that revokes both tokens (RFC 7009).
const user = { username: 'ada', password: 'ada-password-1' };
const SCOPE = 'openid profile email offline_access';

interface SpaUser {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  profile: Record<string, unknown>;
}

// playwright's evaluate callbacks run in the page, where the app put `spa`
// on window (spa-page-server.ts); the project compiles without the DOM lib.
declare const window: {
  spa: { signIn(): Promise<void>; user(): Promise<SpaUser | null>; refresh(): Promise<SpaUser | null>; revoke(): Promise<void>; signOut(): Promise<void> };
};

// Chromium starts slowly on a loaded machine.

describe('oidc-client-ts in Chromium, as a public SPA client on its own origin', () => {
  let server: TestServer;
  let spa: SpaPageServer;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];
  const revocations: Array<{ hint: string | null; status: number }> = [];

  beforeAll(async () => {
    [spa, browser] = await Promise.all([startSpaPageServer(), launchBrowser()]);
    server = await startTestServer('rp_oidc_client_ts', {
      clients: [{
        clientId: 'photo-book-spa', name: 'Photo Book', type: 'public', tokenEndpointAuthMethod: 'none',
        redirectUris: [`${spa.origin}/callback.html`], postLogoutRedirectUris: [`${spa.origin}/index.html`],
        grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email', 'offline_access'],
        allowedOrigins: [spa.origin],
      }],
    });
    spa.configure({ issuer: server.issuer, clientId: 'photo-book-spa', scope: SCOPE });
    const ada = await server.app.accounts.createUser({ ...user, email: 'ada@example.com' });
    await server.app.accounts.updateProfile(ada.id, { name: 'Ada Lovelace', claims: { given_name: 'Ada', locale: 'en-GB' } });

    page = await (await browser.newContext()).newPage();
    // Chromium reports CSP refusals on the console; the provider's pages must need none.
    page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`); });
    page.on('response', (response) => {
      if (new URL(response.url()).pathname !== '/token/revocation') return;
      revocations.push({ hint: new URLSearchParams(response.request().postData() ?? '').get('token_type_hint'), status: response.status() });
    });
  });
  afterAll(async () => {
    await browser?.close();
    await spa?.close();
    await server?.close();
  });

  const current = () => page.evaluate(() => window.spa.user());
  // signinRedirect and signoutRedirect navigate away: their promises never settle in this page.
  const navigate = (action: 'signIn' | 'signOut') => page.evaluate((name) => { void window.spa[name](); }, action);

  it('signs in with code + PKCE through the provider\'s login and consent pages, and loads userinfo across origins', async () => {
    await page.goto(`${spa.origin}/index.html`);
    await page.waitForSelector('body[data-ready="yes"]');
    await navigate('signIn');
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${spa.origin}/index.html#signed-in`);

    const signedIn = await current();
    expect(signedIn).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), id_token: expect.any(String) });
    expect(new Set(signedIn!.scope!.split(' '))).toEqual(new Set(SCOPE.split(' ')));
    // From userinfo, fetched by the page with CORS (loadUserInfo).
    expect(signedIn!.profile).toMatchObject({ iss: server.issuer, name: 'Ada Lovelace', given_name: 'Ada', locale: 'en-GB', email: 'ada@example.com' });
  });

  it('refreshes with the refresh token from the page (signinSilent), rotating it', async () => {
    const before = (await current())!;
    const refreshed = (await page.evaluate(() => window.spa.refresh()))!;
    expect(refreshed.access_token).not.toBe(before.access_token);
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(before.refresh_token);
    expect(refreshed.profile.sub).toBe(before.profile.sub);
  });

  it('signs out revoking both tokens: the refresh token no longer refreshes and the access token no longer reads userinfo', async () => {
    const tokens = (await current())!;
    // Still live before the sign-out.
    expect((await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);

    await page.evaluate(() => window.spa.revoke());
    expect(revocations.map(({ hint }) => hint).sort()).toEqual(['access_token', 'refresh_token']);
    expect(revocations.every(({ status }) => status === 200)).toBe(true);

    // A public client's tokens cannot be introspected by another client
    // (RFC 7662 §4, src/oidc/introspection-policy.ts), so the effect is checked instead.
    const refresh = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'photo-book-spa' }),
    });
    expect(refresh.status).toBe(400);
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
  });

  it('ends the provider session with RP-initiated logout and returns to the app', async () => {
    await navigate('signOut');
    // oidc-provider's logout form: the button that posts logout=yes (its label is the page's own).
    await page.locator('button[name="logout"][value="yes"]').click();
    await page.waitForURL((url) => url.origin === spa.origin && url.pathname === '/index.html');
    // Signed out at the provider: a new sign-in asks for the password again.
    await page.waitForSelector('body[data-ready="yes"]');
    await navigate('signIn');
    await page.getByLabel('Username or email').waitFor();
    expect(cspViolations).toEqual([]);
  });
});
