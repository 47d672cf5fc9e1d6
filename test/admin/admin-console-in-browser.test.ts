import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, shown } from '../support/browser.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

// Issue 15 in headless Chromium: each role does its task through the pages,
// with the Content-Security-Policy in force (no inline script anywhere).
const REDIRECT_URI = 'https://browser-app.example.com/cb';
const APP_SECRET = 'browser-app-secret-0123456789-0123456789-012';
const people = {
  staff: { username: 'stan', password: 'stan-password-1', role: 'staff' as const },
  superuser: { username: 'suki', password: 'suki-password-1', role: 'superuser' as const },
  plain: { username: 'polly', password: 'polly-password-1', role: 'user' as const },
  target: { username: 'terry', password: 'terry-password-1', role: 'user' as const },
};

describe('operator console in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let app: oidc.Configuration;
  const violations: string[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer('admin_browser'), launchBrowser()]);
    for (const person of Object.values(people)) await server.app.accounts.createUser(person);
    await addTestClient(server.stores, {
      client_id: 'browser-app', client_name: 'Browser App', client_secret: APP_SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'client_credentials'], response_types: ['code'], scope: 'openid profile',
    });
    app = await discover(server.issuer, 'browser-app', APP_SECRET);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A fresh browser context signed in at /admin; CSP reports from the console are collected. */
  async function signIn(person: { username: string; password: string }): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) violations.push(message.text()); });
    await page.goto(`${server.issuer}/admin`);
    await page.getByLabel('Username or email').fill(person.username);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // Back from the account area's sign-in (account/callback) to the console.
    await page.waitForURL((url) => url.pathname === '/admin');
    return page;
  }

  it('shows a plain user a 403 page and nothing of the console', async () => {
    const page = await signIn(people.plain);
    expect(await shown(page.locator('h1'), 'You do not have access')).toBe('You do not have access to this page');
    expect(await page.locator('.admin-nav').count()).toBe(0);
    await page.context().close();
  });

  it('lets a staff member find a person and disable them after confirming; their token turns inactive', async () => {
    const { url, codeVerifier, state } = await buildAuthorization(app, { redirect_uri: REDIRECT_URI });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, people.target);
    const tokens = await oidc.authorizationCodeGrant(app, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });

    const page = await signIn(people.staff);
    expect(await shown(page.locator('h1'), 'Overview')).toBe('Overview');
    await page.getByRole('link', { name: 'People', exact: true }).click();
    await page.getByLabel('Search people').fill('TER');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'terry', exact: true }).click();
    expect(await shown(page.locator('h1'), 'terry')).toBe('terry');
    await page.getByRole('button', { name: 'Disable…' }).click();
    expect(await shown(page.locator('h1'), 'Disable terry?')).toBe('Disable terry?');
    await page.getByRole('button', { name: 'Disable the account' }).click();
    expect(await shown(page.getByRole('status'), 'disabled')).toContain('The account is disabled.');
    expect(await oidc.tokenIntrospection(app, tokens.access_token)).toEqual({ active: false });
    await page.context().close();
  });

  it('lets a superuser rotate an app secret, shown once, after which the old one stops working', async () => {
    const page = await signIn(people.superuser);
    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('link', { name: 'Browser App' }).click();
    await page.getByRole('button', { name: 'Generate a new secret…' }).click();
    await page.getByRole('button', { name: 'Generate a new secret' }).click();
    const secret = await page.getByLabel('Client secret').inputValue();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    await page.reload();
    expect(await page.getByLabel('Client secret').count()).toBe(0);

    await waitFor('the old secret to be refused', async () => {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`browser-app:${APP_SECRET}`).toString('base64')}` },
        body: 'grant_type=client_credentials',
      });
      return response.status === 401;
    });
    const fresh = await discover(server.issuer, 'browser-app', secret);
    expect((await oidc.clientCredentialsGrant(fresh, {})).token_type).toMatch(/^bearer$/i);
    await page.context().close();
  });

  it('ran every console page without a Content-Security-Policy violation', () => {
    expect(violations).toEqual([]);
  });
});
