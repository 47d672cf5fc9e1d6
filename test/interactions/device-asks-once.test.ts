import { HttpBrowser, readForm } from '../support/http-browser.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// RFC 8628 §3.3: the person confirms the code on a page that names the app
// and what it may do. That one confirmation is the consent: no consent page
// follows, and the grant and the audit trail record what was approved.
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const user = { username: 'tv-owner', password: 'watching-password-1' };

describe('device flow asks once', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('device_once');
    await server.app.accounts.createUser(user);
    // A native public client: oidc-provider's consent prompt always asks such a client (native_client_prompt).
    await addTestClient(server.stores, {
      client_id: 'tv-app', client_name: 'Living Room TV', application_type: 'native', token_endpoint_auth_method: 'none',
      grant_types: [DEVICE_GRANT, 'refresh_token'], response_types: [], redirect_uris: [], scope: 'openid profile email offline_access',
    });
  });
  afterAll(async () => { await server.close(); });

  async function post(path: string, form: Record<string, string>) {
    const response = await fetch(`${server.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    return { status: response.status, body: await response.json() as Record<string, string> };
  }

  /** Opens verification_uri_complete and answers the confirmation page; returns the confirmation page and where Allow led. */
  async function confirm(browser: HttpBrowser, complete: string) {
    const prefilled = await browser.follow(complete);
    const form = readForm(await prefilled.response.text(), /\/device$/);
    const confirmation = await browser.follow(form.action, { form: form.fields });
    const html = await confirmation.response.text();
    const allow = readForm(html, /\/device$/);
    const next = await browser.follow(allow.action, { form: allow.fields });
    return { confirmation: html, next: { ...next, html: await next.response.text() } };
  }

  async function signIn(browser: HttpBrowser, loginPage: string) {
    const form = readForm(loginPage, /\/login$/);
    const landed = await browser.follow(form.action, { form: { ...form.fields, ...user } });
    return { url: landed.url, html: await landed.response.text() };
  }

  const consentEvents = () => server.stores.handle.db.selectFrom('audit_events').selectAll().where('event', '=', 'consent.granted').where('client_id', '=', 'tv-app').execute();

  it('goes from the confirmation through sign-in to "Device connected" without a consent page, and the grant holds the scopes', async () => {
    const start = await post('/device/auth', { client_id: 'tv-app', scope: 'openid profile offline_access' });
    const browser = new HttpBrowser(server.issuer);
    const { confirmation, next } = await confirm(browser, start.body.verification_uri_complete);
    expect(confirmation).toContain('Living Room TV will be able to:');
    expect(confirmation).toContain('See your name and username');
    expect(confirmation).toContain('You will sign in next.');
    expect(confirmation).not.toContain('After you sign in');

    const done = await signIn(browser, next.html);
    expect(done.html).not.toContain('/confirm"');
    expect(done.html).toContain('Device connected');

    const tokens = await post('/token', { grant_type: DEVICE_GRANT, device_code: start.body.device_code, client_id: 'tv-app' });
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    expect(tokens.body.refresh_token).toEqual(expect.any(String));
    const events = await consentEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toMatchObject({ via: 'device_confirmation', scopes: expect.arrayContaining(['openid', 'profile', 'offline_access']) });
  });

  it('asks a signed-in person once too: Allow leads straight to "Device connected"', async () => {
    const browser = new HttpBrowser(server.issuer);
    const first = await post('/device/auth', { client_id: 'tv-app', scope: 'openid' });
    await signIn(browser, (await confirm(browser, first.body.verification_uri_complete)).next.html);

    const second = await post('/device/auth', { client_id: 'tv-app', scope: 'openid email' });
    const { confirmation, next } = await confirm(browser, second.body.verification_uri_complete);
    expect(confirmation).not.toContain('You will sign in next.');
    expect(confirmation).toContain('See your email address');
    expect(next.html).toContain('Device connected');
    const tokens = await post('/token', { grant_type: DEVICE_GRANT, device_code: second.body.device_code, client_id: 'tv-app' });
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope.split(' ')).toContain('email');
  });

  it('Cancel on the confirmation denies the device without asking anything else', async () => {
    const start = await post('/device/auth', { client_id: 'tv-app', scope: 'openid' });
    const browser = new HttpBrowser(server.issuer);
    const prefilled = await browser.follow(start.body.verification_uri_complete);
    const form = readForm(await prefilled.response.text(), /\/device$/);
    const confirmation = readForm(await (await browser.follow(form.action, { form: form.fields })).response.text(), /\/device$/);
    const cancelled = await browser.follow(confirmation.action, { form: { ...confirmation.fields, abort: 'yes' } });
    expect(await cancelled.response.text()).toContain('The request was cancelled');
    const tokens = await post('/token', { grant_type: DEVICE_GRANT, device_code: start.body.device_code, client_id: 'tv-app' });
    expect(tokens.body.error).toBe('access_denied');
  });
});
