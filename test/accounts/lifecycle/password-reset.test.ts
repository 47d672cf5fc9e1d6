import { HttpBrowser, readForm } from '../../support/http-browser.js';
import { linkIn, startSmtpListener, type SmtpListener } from '../../support/smtp-listener.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { waitFor } from '../../support/wait-for.js';

// Issue 14: "forgot password" mails a single-use link; the links arrive at a
// real SMTP server on loopback and are followed as a browser would.
const ada = { username: 'ada-reset', password: 'ada reset password 1', email: 'ada.reset@example.com' };
const NEW_PASSWORD = 'ada reset password 2';
const isResetFor = (to: string) => (mail: { to: string[]; subject: string }) => mail.to.includes(to) && mail.subject.startsWith('Reset your password');

/** The account page's sign-in in a fresh browser; the browser holds a provider session afterwards. */
async function signIn(issuer: string, credentials: { username: string; password: string }): Promise<{ browser: HttpBrowser; status: number; url: string }> {
  const browser = new HttpBrowser(issuer);
  const login = await browser.follow('/account');
  const form = readForm(await login.response.text(), /\/login$/);
  const done = await browser.follow(form.action, { form: { ...form.fields, ...credentials } });
  return { browser, status: done.response.status, url: done.url };
}

/** GET the sign-in page's "Forgot password?" page and post the form on it. */
async function askForReset(browser: HttpBrowser, identifier: string): Promise<{ status: number; html: string; retryAfter: string | null }> {
  const page = await browser.request('/account/forgot-password');
  const form = readForm(await page.text(), /forgot-password$/);
  const response = await browser.request(form.action, { form: { ...form.fields, identifier } });
  return { status: response.status, html: await response.text(), retryAfter: response.headers.get('retry-after') };
}

async function setPassword(browser: HttpBrowser, link: string, password: string): Promise<{ status: number; html: string }> {
  const page = await browser.request(link);
  const html = await page.text();
  if (page.status !== 200) return { status: page.status, html };
  const form = readForm(html, /reset-password$/);
  const response = await browser.request(form.action, { form: { ...form.fields, new_password: password, confirm_password: password } });
  return { status: response.status, html: await response.text() };
}

describe('password reset by mail', () => {
  let smtp: SmtpListener;
  let server: TestServer;
  let adaId: string;

  beforeAll(async () => {
    smtp = await startSmtpListener();
    server = await startTestServer('password_reset', { env: { SMTP_URL: smtp.url, BRAND_NAME: 'Acme ID' } });
    adaId = (await server.app.accounts.createUser(ada)).id;
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  it('is linked from the sign-in page; the mailed link sets a new password once and signs out every session', async () => {
    const elsewhere = await signIn(server.issuer, ada);
    expect((await elsewhere.browser.request('/account')).status).toBe(200);

    const visitor = new HttpBrowser(server.issuer);
    const login = await (await visitor.follow('/account')).response.text();
    const forgot = /href="([^"]*\/account\/forgot-password[^"]*)"/.exec(login)?.[1]?.replace(/&amp;/g, '&');
    expect(forgot).toMatch(/^\/account\/forgot-password\?return=%2Finteraction%2F/);
    const page = await (await visitor.request(forgot!)).text();
    expect(page).toContain('Back to sign in');
    const form = readForm(page, /forgot-password$/);
    const asked = await visitor.request(form.action, { form: { ...form.fields, identifier: ada.username } });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('a link to choose a new password is on its way');

    const mail = await smtp.take(isResetFor(ada.email));
    expect(mail.subject).toBe('Reset your password for Acme ID');
    expect(mail.text).toContain(`your account ${ada.username} at Acme ID`);
    expect(mail.text).toContain('expires in 30 minutes');
    const link = linkIn(mail, '/account/reset-password');
    expect(link.startsWith(`${server.issuer}/account/reset-password?token=`)).toBe(true);
    expect(mail.html).toContain(link.replace(/&/g, '&amp;'));

    const reset = await setPassword(visitor, link, NEW_PASSWORD);
    expect(reset.status).toBe(200);
    expect(reset.html).toContain('every device signed in to your account was signed out');

    // The session opened before the reset is gone; the new password signs in, the old one no longer does.
    const after = await elsewhere.browser.request('/account');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/\/account\/sign-in/);
    expect((await signIn(server.issuer, { username: ada.username, password: NEW_PASSWORD })).url).toBe(`${server.issuer}/account`);
    expect((await signIn(server.issuer, ada)).status).toBe(401);

    // A second use of the same link is refused, on the page and on the form.
    const again = await setPassword(new HttpBrowser(server.issuer), link, 'ada reset password 3');
    expect(again.status).toBe(400);
    expect(again.html).toContain('This link no longer works');
  });

  it('makes the older link stop working when a new one is asked for', async () => {
    const browser = new HttpBrowser(server.issuer);
    await askForReset(browser, ada.email);
    const first = linkIn(await smtp.take(isResetFor(ada.email)), '/account/reset-password');
    await askForReset(browser, ada.email.toUpperCase());
    const second = linkIn(await smtp.take(isResetFor(ada.email)), '/account/reset-password');
    expect(second).not.toBe(first);
    expect((await browser.request(first)).status).toBe(400);
    expect((await browser.request(second)).status).toBe(200);
  });

  it('keeps a link when the new password is refused, and refuses a password the account page would refuse', async () => {
    const browser = new HttpBrowser(server.issuer);
    await askForReset(browser, ada.username);
    const link = linkIn(await smtp.take(isResetFor(ada.email)), '/account/reset-password');
    const short = await setPassword(browser, link, 'short');
    expect(short.status).toBe(400);
    expect(short.html).toContain('The password must be at least 8 characters.');
    expect((await browser.request(link)).status).toBe(200);
  });

  it('answers an unknown and a known name alike: same status, same page', async () => {
    // Both requests do the same work before the answer (form check, the
    // per-address limit); finding the account, making the link and mailing it
    // run after the answer has gone out (interactions/lifecycle-pages.ts
    // afterResponse). No timing is asserted here: the difference measured by
    // hand is in the issue note.
    const browser = new HttpBrowser(server.issuer);
    const unknown = await askForReset(browser, 'nobody-at-all@example.com');
    const known = await askForReset(browser, ada.username);
    expect(unknown.status).toBe(known.status);
    expect(unknown.html).toBe(known.html);
    await smtp.take(isResetFor(ada.email));
    const row = await waitFor('the unknown request to be recorded', () => server.stores.handle.db.selectFrom('audit_events').selectAll()
      .where('event', '=', 'password_reset.requested').where('actor', 'is', null).executeTakeFirst());
    expect(row.details).toMatchObject({ known_account: false, source: 'sign-in' });
    expect(smtp.received.some((mail) => mail.to.includes('nobody-at-all@example.com'))).toBe(false);
    const completed = await server.stores.handle.db.selectFrom('audit_events').select('event').where('actor', '=', adaId).where('event', '=', 'password_reset.completed').execute();
    expect(completed).toHaveLength(1);
  });
});

describe('password reset limits', () => {
  let smtp: SmtpListener;
  let server: TestServer;
  const bob = { username: 'bob-reset', password: 'bob reset password 1', email: 'bob.reset@example.com' };

  beforeAll(async () => {
    smtp = await startSmtpListener();
    server = await startTestServer('password_reset_limits', { env: { SMTP_URL: smtp.url, RATE_LIMIT_MAIL_PER_IP: '3', RATE_LIMIT_MAIL_PER_ACCOUNT: '1' } });
    await server.app.accounts.createUser(bob);
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  it('sends one link per account per window, silently, and refuses an address after its limit with 429', async () => {
    const browser = new HttpBrowser(server.issuer);
    const first = await askForReset(browser, bob.username);
    await smtp.take(isResetFor(bob.email));
    const second = await askForReset(browser, bob.email);
    // The same page: the per-account limit shows nothing.
    expect(second.status).toBe(200);
    expect(second.html).toBe(first.html);
    // Its audit row is written after the point where a mail would have been sent.
    await waitFor('the throttled request to be recorded', () => server.stores.handle.db.selectFrom('audit_events').select('id')
      .where('event', '=', 'password_reset.requested').where(({ eb, ref }) => eb(eb.fn('jsonb_extract_path_text', [ref('details'), eb.val('throttled')]), '=', 'true'))
      .executeTakeFirst());
    expect(smtp.received.filter(isResetFor(bob.email))).toHaveLength(1);

    expect((await askForReset(browser, 'someone-else')).status).toBe(200);
    const refused = await askForReset(browser, bob.username);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.html).toContain('Too many requests from your network');
  });
});
