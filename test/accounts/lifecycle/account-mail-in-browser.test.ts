import type { Browser, Page } from 'playwright-core';
import { launchBrowser, shown } from '../../support/browser.js';
import { linkIn, startSmtpListener, type SmtpListener } from '../../support/smtp-listener.js';
import { addTestClient, startTestServer, type TestServer } from '../../support/test-server.js';

// Issue 14 in headless Chromium: the links arrive at a real SMTP server on
// loopback and are opened in the browser, as a person would.
const REDIRECT_URI = 'https://browser-mail.example.com/cb';
const ada = { username: 'ada-browser', password: 'ada browser password 1', email: 'ada.browser@example.com' };

describe('account mails in a real browser', () => {
  let smtp: SmtpListener;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await startSmtpListener();
    [server, browser] = await Promise.all([startTestServer('account_mail_browser', { env: { SMTP_URL: smtp.url, SIGNUP: 'open' } }), launchBrowser()]);
    await server.app.accounts.createUser(ada);
    await addTestClient(server.stores, {
      client_id: 'browser-mail-app', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  async function open(): Promise<Page> {
    return (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  }

  function authorizationUrl(prompt?: string): string {
    const query = new URLSearchParams({
      client_id: 'browser-mail-app', response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid email', state: 'browser-state',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', ...(prompt ? { prompt } : {}),
    });
    return `${server.issuer}/auth?${query}`;
  }

  /** Where the browser is sent at the end: the client's redirect URI is not served, so the request is caught. */
  async function landing(page: Page): Promise<URL> {
    const request = await page.waitForRequest((candidate) => candidate.url().startsWith(REDIRECT_URI));
    return new URL(request.url());
  }

  it('resets a forgotten password from the sign-in page and signs in with the new one', async () => {
    const page = await open();
    await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: 'signed in' }));
    await page.goto(authorizationUrl());
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByLabel('Username or email').fill(ada.email);
    await page.getByRole('button', { name: 'Send link' }).click();
    expect(await shown(page.getByRole('status'), 'on its way')).toContain('a link to choose a new password is on its way');

    const mail = await smtp.take((candidate) => candidate.to.includes(ada.email));
    const mailPage = await page.context().newPage();
    await mailPage.goto(linkIn(mail, '/account/reset-password'));
    await mailPage.getByLabel('New password', { exact: true }).fill('ada browser password 2');
    await mailPage.getByLabel('New password again').fill('ada browser password 2');
    await mailPage.getByRole('button', { name: 'Set new password' }).click();
    expect(await shown(mailPage.getByRole('status'), 'was changed')).toContain('Your password was changed');

    await page.getByRole('link', { name: 'Back to sign in' }).click();
    await page.getByLabel('Username or email').fill(ada.username);
    await page.getByLabel('Password', { exact: true }).fill('ada browser password 2');
    const landed = landing(page);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    expect((await landed).searchParams.get('code')).toBeTruthy();
    await page.context().close();
  });

  it('creates an account for prompt=create and confirms its address from the welcome mail', async () => {
    const page = await open();
    await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: 'signed in' }));
    await page.goto(authorizationUrl('create'));
    expect(await shown(page.locator('h1'), 'Create an account')).toBe('Create an account');
    await page.getByLabel('Username').fill('mary');
    await page.getByLabel('E-mail address').fill('mary@example.com');
    await page.getByLabel('Password', { exact: true }).fill('mary browser password 1');
    await page.getByLabel('Password again').fill('mary browser password 1');
    await page.getByRole('button', { name: 'Create account' }).click();
    const landed = landing(page);
    await page.getByRole('button', { name: 'Allow' }).click();
    expect((await landed).searchParams.get('code')).toBeTruthy();

    const mail = await smtp.take((candidate) => candidate.to.includes('mary@example.com'));
    const mailPage = await page.context().newPage();
    await mailPage.goto(linkIn(mail, '/account/verify-email'));
    await mailPage.getByRole('button', { name: 'Confirm address' }).click();
    expect(await shown(mailPage.getByRole('status'), 'is confirmed')).toContain('mary@example.com is confirmed');
    expect(await server.app.accounts.findUserByUsername('mary')).toMatchObject({ email: 'mary@example.com', emailVerified: true });
    await page.context().close();
  });
});
