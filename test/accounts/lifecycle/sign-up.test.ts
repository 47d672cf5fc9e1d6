import * as oidc from 'openid-client';
import { HttpBrowser, readForm } from '../../support/http-browser.js';
import { buildAuthorization, completeInteractions, discover } from '../../support/oidc-flow.js';
import { linkIn, startSmtpListener, type SmtpListener } from '../../support/smtp-listener.js';
import { addTestClient, startTestServer, type TestServer } from '../../support/test-server.js';

// Issue 14: sign-up (SIGNUP=open|invite-only, off by default) and
// prompt=create (OpenID Connect Prompt Create 1.0), over HTTP.
const REDIRECT_URI = 'https://signup.example.com/cb';
const SECRET = 'signup-client-secret-0123456789-0123456789';

interface Fixture { smtp: SmtpListener; server: TestServer; config: oidc.Configuration }

async function start(label: string, signup: string): Promise<Fixture> {
  const smtp = await startSmtpListener();
  const server = await startTestServer(label, { env: { SMTP_URL: smtp.url, SIGNUP: signup } });
  await addTestClient(server.stores, {
    client_id: 'signup-app', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], response_types: ['code'],
  });
  return { smtp, server, config: await discover(server.issuer, 'signup-app', SECRET) };
}

async function stop(fixture: Fixture | undefined): Promise<void> {
  await fixture?.server.close();
  await fixture?.smtp.close();
}

/** Starts an authorization request and returns the first page (login, or sign-up under prompt=create). */
async function authorize(fixture: Fixture, params: Record<string, string> = {}) {
  const request = await buildAuthorization(fixture.config, { redirect_uri: REDIRECT_URI, scope: 'openid email', ...params });
  const browser = new HttpBrowser(fixture.server.issuer);
  const start = await browser.follow(request.url.toString());
  return { ...request, browser, start, html: await start.response.clone().text() };
}

describe('sign-up with SIGNUP=open', () => {
  let fixture: Fixture;
  beforeAll(async () => { fixture = await start('sign_up_open', 'open'); });
  afterAll(async () => { await stop(fixture); });

  async function register(browser: HttpBrowser, action: string, csrf: string, fields: Record<string, string>) {
    return browser.follow(action, { form: { _csrf: csrf, confirm_password: fields.password ?? '', ...fields } });
  }

  it('is linked from sign-in; the new account is signed in, welcomed by mail, and unverified until the link is opened', async () => {
    const { browser, html, codeVerifier, state } = await authorize(fixture);
    const href = /href="(\/interaction\/[^"]+\/sign-up)"/.exec(html)?.[1];
    expect(href).toBeDefined();
    const form = readForm(await (await browser.request(href!)).text(), /\/sign-up$/);
    const person = { username: 'newcomer', email: 'newcomer@example.com', name: 'New Comer', password: 'newcomer password 1' };
    const consent = await register(browser, form.action, form.fields._csrf!, person);
    const done = await completeInteractions(browser, consent, { username: '', password: '' });
    expect(done.url.toString()).toMatch(new RegExp(`^${REDIRECT_URI}\\?code=`));
    const tokens = await oidc.authorizationCodeGrant(fixture.config, done.url, { pkceCodeVerifier: codeVerifier, expectedState: state });
    const userinfo = await oidc.fetchUserInfo(fixture.config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({ email: person.email, email_verified: false });

    const mail = await fixture.smtp.take((candidate) => candidate.to.includes(person.email));
    expect(mail.subject).toMatch(/^Welcome to .*: confirm your e-mail address$/);
    const link = linkIn(mail, '/account/verify-email');
    const visitor = new HttpBrowser(fixture.server.issuer);
    const confirm = readForm(await (await visitor.request(link)).text(), /verify-email$/);
    expect((await visitor.request(confirm.action, { form: confirm.fields })).status).toBe(200);
    const user = await fixture.server.app.accounts.findUserByUsername(person.username);
    expect(user).toMatchObject({ email: person.email, emailVerified: true, role: 'user', name: person.name });
  });

  it('refuses a taken username with 409 and keeps what was typed', async () => {
    await fixture.server.app.accounts.createUser({ username: 'taken-name', password: 'taken password 1' });
    const { browser, html } = await authorize(fixture);
    const href = /href="(\/interaction\/[^"]+\/sign-up)"/.exec(html)![1]!;
    const form = readForm(await (await browser.request(href)).text(), /\/sign-up$/);
    const refused = await register(browser, form.action, form.fields._csrf!, { username: 'Taken-Name', email: 'someone@example.com', password: 'someone password 1' });
    expect(refused.response.status).toBe(409);
    const page = await refused.response.text();
    expect(page).toContain('Username is taken');
    expect(page).toContain('value="someone@example.com"');
  });

  it('opens the sign-up page for prompt=create and signs the new account in (Prompt Create §4)', async () => {
    expect(fixture.config.serverMetadata().prompt_values_supported).toEqual(['none', 'create', 'login', 'consent']);
    const { browser, html, codeVerifier, state } = await authorize(fixture, { prompt: 'create' });
    expect(html).toContain('<h1>Create an account</h1>');
    const form = readForm(html, /\/sign-up$/);
    const consent = await register(browser, form.action, form.fields._csrf!, { username: 'created', email: 'created@example.com', password: 'created password 1' });
    const done = await completeInteractions(browser, consent, { username: '', password: '' });
    const tokens = await oidc.authorizationCodeGrant(fixture.config, done.url, { pkceCodeVerifier: codeVerifier, expectedState: state });
    expect(tokens.claims()).toMatchObject({ email: 'created@example.com', email_verified: false, amr: ['pwd'] });
    await fixture.smtp.take((mail) => mail.to.includes('created@example.com'));
  });

  it('lets a person with an account leave prompt=create for the sign-in page', async () => {
    const known = { username: 'has-account', password: 'has account password 1' };
    await fixture.server.app.accounts.createUser(known);
    const { browser, html } = await authorize(fixture, { prompt: 'create' });
    const leave = readForm(html, /\/sign-in-instead$/);
    const login = await browser.follow(leave.action, { form: leave.fields });
    expect(await login.response.clone().text()).toContain('<h1>Sign in</h1>');
    const done = await completeInteractions(browser, login, known);
    expect(done.url.toString()).toMatch(new RegExp(`^${REDIRECT_URI}\\?code=`));
  });
});

describe('sign-up with SIGNUP=invite-only', () => {
  let fixture: Fixture;
  beforeAll(async () => { fixture = await start('sign_up_invite_only', 'invite-only'); });
  afterAll(async () => { await stop(fixture); });

  it('offers no sign-up link, answers prompt=create with the invitation notice and refuses a posted form', async () => {
    expect((await authorize(fixture)).html).not.toContain('/sign-up');
    const { browser, html } = await authorize(fixture, { prompt: 'create' });
    expect(html).toContain('Accounts are by invitation');
    expect(html).not.toContain('/sign-up"');
    const leave = readForm(html, /\/sign-in-instead$/);
    const uid = /\/interaction\/([^/]+)\//.exec(leave.action)![1];
    const posted = await browser.request(`/interaction/${uid}/sign-up`, {
      form: { _csrf: leave.fields._csrf!, username: 'intruder', email: 'intruder@example.com', password: 'intruder password 1', confirm_password: 'intruder password 1' },
    });
    expect(posted.status).toBe(403);
    expect(await fixture.server.app.accounts.findUserByUsername('intruder')).toBeUndefined();
  });
});

describe('sign-up with SIGNUP unset (off)', () => {
  let fixture: Fixture;
  beforeAll(async () => { fixture = await start('sign_up_off', 'off'); });
  afterAll(async () => { await stop(fixture); });

  it('has no sign-up page and refuses prompt=create as unsupported (Prompt Create §4.1)', async () => {
    expect(fixture.config.serverMetadata().prompt_values_supported).toEqual(['none', 'login', 'consent']);
    const { browser, html } = await authorize(fixture);
    expect(html).toContain('Forgot password?');
    expect(html).not.toContain('/sign-up');
    const uid = /action="\/interaction\/([^/]+)\/login"/.exec(html)![1];
    expect((await browser.request(`/interaction/${uid}/sign-up`)).status).toBe(404);
    const refused = await authorize(fixture, { prompt: 'create' });
    const callback = new URL(refused.start.url);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toBe('unsupported prompt value requested');
  });
});
