import * as oidc from 'openid-client';
import { HttpBrowser, readForm } from '../../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../../support/oidc-flow.js';
import { runCli } from '../../support/run-cli.js';
import { linkIn, startSmtpListener, type ReceivedMail, type SmtpListener } from '../../support/smtp-listener.js';
import { addTestClient, startTestServer, type TestServer } from '../../support/test-server.js';

// Issue 14: an address set or changed is confirmed by a mailed link; until
// then userinfo and ID tokens say email_verified=false, and a change made on
// the account page keeps the old address until the new one is confirmed.
const REDIRECT_URI = 'https://verify.example.com/cb';
const SECRET = 'verify-client-secret-0123456789-0123456789';
const eve = { username: 'eve-verify', password: 'eve verify password 1' };
const OLD = 'eve@old.example.com';
const NEW = 'eve@new.example.com';
const BY_OPERATOR = 'eve@operator.example.com';

const mailTo = (to: string, subject: RegExp) => (mail: ReceivedMail) => mail.to.includes(to) && subject.test(mail.subject);

describe('e-mail verification', () => {
  let smtp: SmtpListener;
  let server: TestServer;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await startSmtpListener();
    server = await startTestServer('email_verification', { env: { SMTP_URL: smtp.url } });
    const user = await server.app.accounts.createUser({ ...eve, email: OLD });
    await server.app.accounts.updateProfile(user.id, { emailVerified: true });
    await addTestClient(server.stores, {
      client_id: 'verify-app', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], response_types: ['code'],
    });
    config = await discover(server.issuer, 'verify-app', SECRET);
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  /** What an app is told about the address: the ID token's and userinfo's email claims. */
  async function emailClaims() {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid email', prompt: 'consent' });
    const tokens = await oidc.authorizationCodeGrant(config, await signInAndConsent(new HttpBrowser(server.issuer), url, eve), { pkceCodeVerifier: codeVerifier, expectedState: state });
    const idToken = tokens.claims()!;
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
    return { idToken: { email: idToken.email, email_verified: idToken.email_verified }, userinfo: { email: userinfo.email, email_verified: userinfo.email_verified } };
  }

  /** Opens a verification link in a browser that is not signed in and confirms. */
  async function confirm(link: string): Promise<{ status: number; html: string }> {
    const browser = new HttpBrowser(server.issuer);
    const page = await browser.request(link);
    const html = await page.text();
    if (page.status !== 200) return { status: page.status, html };
    const form = readForm(html, /verify-email$/);
    const response = await browser.request(form.action, { form: form.fields });
    return { status: response.status, html: await response.text() };
  }

  it('keeps the old address until the new one is confirmed, tells the old address, then releases the new one as verified', async () => {
    const browser = new HttpBrowser(server.issuer);
    const login = readForm(await (await browser.follow('/account')).response.text(), /\/login$/);
    await browser.follow(login.action, { form: { ...login.fields, ...eve } });
    const profile = await (await browser.request('/account')).text();
    expect(profile).toContain('href="/account/email"');
    const form = readForm(await (await browser.request('/account/email')).text(), /\/account\/email$/);
    const asked = await browser.request('/account/email', { form: { _csrf: form.fields._csrf!, email: NEW } });
    expect(asked.status).toBe(303);
    expect(asked.headers.get('location')).toBe('/account/email?done=change');

    const [toNew, notice] = await Promise.all([smtp.take(mailTo(NEW, /^Confirm your e-mail address/)), smtp.take(mailTo(OLD, /is being changed$/))]);
    expect(notice.text).toContain(`change its e-mail address to ${NEW}`);
    expect(notice.text).toContain(`Your address stays ${OLD}`);
    const page = await (await browser.request('/account/email')).text();
    expect(page).toContain('Waiting for confirmation');
    expect(page).toContain(NEW);
    expect(await emailClaims()).toEqual({ idToken: { email: OLD, email_verified: true }, userinfo: { email: OLD, email_verified: true } });

    const link = linkIn(toNew, '/account/verify-email');
    const confirmed = await confirm(link);
    expect(confirmed.status).toBe(200);
    expect(confirmed.html).toContain('is confirmed');
    expect(await emailClaims()).toEqual({ idToken: { email: NEW, email_verified: true }, userinfo: { email: NEW, email_verified: true } });
    expect((await confirm(link)).status).toBe(400);
  });

  it('mails a link for an address an operator sets with the CLI; email_verified flips when it is opened', async () => {
    const env = { ...server.stores.env, SMTP_URL: smtp.url, ISSUER: server.issuer };
    const result = await runCli({ env }, ['users', 'update', eve.username, '--email', BY_OPERATOR]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain(`verification link mailed to ${BY_OPERATOR}`);
    const mail = await smtp.take(mailTo(BY_OPERATOR, /^Confirm your e-mail address/));
    expect(await emailClaims()).toEqual({ idToken: { email: BY_OPERATOR, email_verified: false }, userinfo: { email: BY_OPERATOR, email_verified: false } });

    expect((await confirm(linkIn(mail, '/account/verify-email'))).status).toBe(200);
    expect(await emailClaims()).toEqual({ idToken: { email: BY_OPERATOR, email_verified: true }, userinfo: { email: BY_OPERATOR, email_verified: true } });
  });

  it('refuses a verification link for an address the account no longer has', async () => {
    const env = { ...server.stores.env, SMTP_URL: smtp.url, ISSUER: server.issuer };
    await runCli({ env }, ['users', 'update', eve.username, '--email', 'eve@first.example.com']);
    const stale = linkIn(await smtp.take(mailTo('eve@first.example.com', /^Confirm/)), '/account/verify-email');
    await runCli({ env }, ['users', 'update', eve.username, '--email', 'eve@second.example.com', '--email-verified', 'true']);
    expect((await confirm(stale)).status).toBe(400);
    expect((await emailClaims()).userinfo).toEqual({ email: 'eve@second.example.com', email_verified: true });
  });
});
