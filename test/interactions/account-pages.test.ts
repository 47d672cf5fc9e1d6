import { HttpBrowser, readForm } from '../support/http-browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// The account area over HTTP, the way a browser posts its forms.
const ada = { username: 'ada', password: 'ada-password-1' };
const bob = { username: 'bob', password: 'bob-password-1' };
const sue = { username: 'sue', password: 'sue-password-1' };

describe('account area', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('account_pages');
    await server.app.accounts.createUser(ada);
    await server.app.accounts.createUser({ ...bob, role: 'staff' });
    await server.app.accounts.createUser({ ...sue, role: 'superuser' });
  });
  afterAll(async () => { await server.close(); });

  /** Signs a fresh browser in through /account; returns it and the profile page. */
  async function signIn(credentials: { username: string; password: string }, start = '/account') {
    const browser = new HttpBrowser(server.issuer);
    const login = await browser.follow(start);
    const form = readForm(await login.response.text(), /\/login$/);
    const landed = await browser.follow(form.action, { form: { ...form.fields, ...credentials } });
    return { browser, html: await landed.response.text(), url: landed.url };
  }

  async function page(browser: HttpBrowser, path: string) {
    const { response, url } = await browser.follow(path);
    return { status: response.status, url, html: await response.text() };
  }

  /** Posts a form of ours with this browser's CSRF token (read from the profile page's form; the same on every page). */
  async function post(browser: HttpBrowser, action: string, fields: Record<string, string>) {
    const { html } = await page(browser, '/account');
    const { _csrf } = readForm(html, /\/account\/profile$/).fields;
    const response = await browser.request(action, { method: 'POST', form: { _csrf, ...fields } });
    return { status: response.status, location: response.headers.get('location'), html: await response.text() };
  }

  /** Registers an app; the POST answers 303 to the app's page, which shows a secret once (one-time-secret.ts). */
  async function register(browser: HttpBrowser, fields: Record<string, string>) {
    const created = await post(browser, '/account/apps', fields);
    expect(created.status).toBe(303);
    expect(created.location).toMatch(/^\/account\/apps\/[^/?]+\?done=registered$/);
    const clientId = decodeURIComponent(/^\/account\/apps\/([^/?]+)/.exec(created.location!)![1]!);
    const shown = await page(browser, created.location!);
    return { clientId, html: shown.html, secret: secretIn(shown.html), location: created.location! };
  }

  function secretIn(html: string): string | undefined {
    return /<textarea[^>]*id="client-secret"[^>]*>([^<]+)<\/textarea>/.exec(html)?.[1];
  }

  it('sends a signed-out visitor through sign-in and back to the page asked for', async () => {
    const { html, url } = await signIn(ada, '/account/connected');
    expect(new URL(url).pathname).toBe('/account/connected');
    expect(html).toContain('You have not allowed any app to use your account.');
    const anonymous = await fetch(`${server.issuer}/account/apps`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/account/sign-in?return=%2Faccount%2Fapps');
  });

  it('refuses a callback without the matching state, and says so when the person cancels', async () => {
    const forged = await fetch(`${server.issuer}/account/callback?state=forged`, { headers: { accept: 'text/html' } });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('This sign-in link has expired');

    const browser = new HttpBrowser(server.issuer);
    const login = await browser.follow('/account');
    const cancel = readForm(await login.response.text(), /\/abort$/);
    const cancelled = await browser.follow(cancel.action, { form: cancel.fields });
    expect(await cancelled.response.text()).toContain('You did not sign in');
  });

  it('changes the password only with the current one, and signs out every other session', async () => {
    const other = await signIn(ada);
    const { browser } = await signIn(ada);
    const wrong = await post(browser, '/account/password', { current_password: 'nope-nope', new_password: 'ada-password-2', confirm_password: 'ada-password-2' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('Your current password is not correct.');
    const mismatch = await post(browser, '/account/password', { current_password: ada.password, new_password: 'ada-password-2', confirm_password: 'ada-password-3' });
    expect(mismatch.status).toBe(400);
    const short = await post(browser, '/account/password', { current_password: ada.password, new_password: 'short', confirm_password: 'short' });
    expect(short.html).toContain('The new password must be at least 8 characters.');

    const changed = await post(browser, '/account/password', { current_password: ada.password, new_password: 'ada-password-2', confirm_password: 'ada-password-2' });
    expect(changed).toMatchObject({ status: 303, location: '/account?done=password' });
    expect((await page(browser, changed.location!)).html).toContain('Your password was changed');
    const signedOut = await other.browser.request('/account');
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toMatch(/^\/account\/sign-in/);
    expect(await server.app.accounts.authenticate(ada.username, 'ada-password-2')).not.toBeNull();
    expect(await server.app.accounts.authenticate(ada.username, ada.password)).toBeNull();
    await server.app.accounts.setPassword((await server.app.accounts.findUserByUsername(ada.username))!.id, ada.password);
  });

  async function introspectWith(clientId: string, secret: string) {
    const response = await fetch(`${server.issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body: 'token=not-a-token',
    });
    return response.status;
  }

  it('registers, rotates and deletes an app; the old secret stops working at once', async () => {
    const { browser } = await signIn(ada);
    const { clientId, secret: shownSecret } = await register(browser, { name: 'Ada Web', kind: 'web', redirect_uris: 'https://ada.example.com/cb' });
    const secret = shownSecret!;
    expect(await introspectWith(clientId, secret)).toBe(200);
    expect((await page(browser, `/account/apps/${clientId}`)).html).not.toContain(secret);

    const rotated = await post(browser, `/account/apps/${clientId}/rotate`, {});
    expect(rotated).toMatchObject({ status: 303, location: `/account/apps/${encodeURIComponent(clientId)}?done=rotated` });
    const fresh = secretIn((await page(browser, rotated.location!)).html)!;
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(fresh).not.toBe(secret);
    expect(await introspectWith(clientId, secret)).toBe(401);
    expect(await introspectWith(clientId, fresh)).toBe(200);

    const spa = await register(browser, { name: 'Ada SPA', kind: 'spa', redirect_uris: 'https://spa.ada.example.com/cb' });
    expect(spa.html).toContain('it has no secret');
    expect(spa.html).not.toContain('id="client-secret"');

    const deleted = await post(browser, `/account/apps/${clientId}/delete`, {});
    expect(deleted).toMatchObject({ status: 303, location: '/account/apps?done=deleted' });
    expect((await page(browser, `/account/apps/${clientId}`)).status).toBe(404);
    expect(await introspectWith(clientId, fresh)).toBe(401);
  });

  it('shows only own apps to a user, every client to staff, and lets only a superuser mark first-party', async () => {
    const owner = await signIn(ada);
    const { clientId } = await register(owner.browser, { name: 'Ada Device', kind: 'device', redirect_uris: '' });

    const staff = await signIn(bob);
    expect((await page(staff.browser, '/account/apps')).html).toContain('Ada Device');
    const staffView = await page(staff.browser, `/account/apps/${clientId}`);
    expect(staffView.status).toBe(200);
    expect(staffView.html).not.toContain('Delete this app');
    expect(staffView.html).not.toContain('Mark as first-party');
    expect((await post(staff.browser, `/account/apps/${clientId}/delete`, {})).status).toBe(404);
    expect((await post(staff.browser, `/account/apps/${clientId}/first-party`, { first_party: 'yes' })).status).toBe(404);

    const superuser = await signIn(sue);
    const marked = await post(superuser.browser, `/account/apps/${clientId}/first-party`, { first_party: 'yes' });
    expect(marked.status).toBe(303);
    expect((await page(superuser.browser, `/account/apps/${clientId}`)).html).toContain('Yes — people are not asked for consent');
    const client = await server.app.provider.Client.find(clientId);
    expect((client as unknown as { first_party?: boolean }).first_party).toBe(true);
  });

  it('keeps other users out of an app', async () => {
    await server.app.accounts.createUser({ username: 'eve', password: 'eve-password-1' });
    const owner = await signIn(ada);
    const { clientId } = await register(owner.browser, { name: 'Private', kind: 'native', redirect_uris: 'com.example.ada:/cb' });
    const eve = await signIn({ username: 'eve', password: 'eve-password-1' });
    expect((await page(eve.browser, '/account/apps')).html).not.toContain('Private');
    expect((await page(eve.browser, `/account/apps/${clientId}`)).status).toBe(404);
    expect((await post(eve.browser, `/account/apps/${clientId}/delete`, {})).status).toBe(404);
    expect((await post(eve.browser, `/account/connected/${clientId}/revoke`, {})).status).toBe(404);
    expect(await server.app.provider.Client.find(clientId)).toBeDefined();
  });
});
