import type { Context } from 'koa';
import { createOneTimeSecrets } from '../../interactions/account/one-time-secret.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// Issue 13's account pages: "App registered" after a 303 with the secret
// shown once, "My apps" apart from "All apps", removing access asks first,
// and the role shown only to staff.
const ada = { username: 'ada', password: 'ada-password-1' };
const sue = { username: 'sue', password: 'sue-password-1' };
const bob = { username: 'bob', password: 'bob-password-1' };
const REDIRECT_URI = 'https://photos.example.com/cb';

describe('account pages after the first hour', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('account_first_hour');
    await server.app.accounts.createUser(ada);
    await server.app.accounts.createUser({ ...sue, role: 'superuser' });
    await server.app.accounts.createUser({ ...bob, role: 'staff' });
    await addTestClient(server.stores, {
      client_id: 'photos', client_name: 'Photo Book', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'], scope: 'openid profile',
    });
  });
  afterAll(async () => { await server.close(); });

  async function signIn(credentials: { username: string; password: string }) {
    const browser = new HttpBrowser(server.issuer);
    const login = await browser.follow('/account');
    const form = readForm(await login.response.text(), /\/login$/);
    await browser.follow(form.action, { form: { ...form.fields, ...credentials } });
    return browser;
  }

  async function page(browser: HttpBrowser, path: string) {
    const { response, url } = await browser.follow(path);
    return { status: response.status, url, html: await response.text() };
  }

  async function post(browser: HttpBrowser, action: string, fields: Record<string, string>) {
    const { _csrf } = readForm((await page(browser, '/account')).html, /\/account\/profile$/).fields;
    const response = await browser.request(action, { method: 'POST', form: { _csrf, ...fields } });
    return { status: response.status, location: response.headers.get('location') };
  }

  const secretIn = (html: string) => /<textarea[^>]*id="client-secret"[^>]*>([^<]+)<\/textarea>/.exec(html)?.[1];

  it('answers the registration with a 303; the app page shows the secret once, monospace, with the issuer and discovery URL', async () => {
    const browser = await signIn(ada);
    const created = await post(browser, '/account/apps', { name: 'Ada Web', kind: 'web', redirect_uris: 'https://ada.example.com/cb' });
    expect(created.status).toBe(303);
    const first = await page(browser, created.location!);
    const secret = secretIn(first.html);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(first.html).toMatch(/<textarea[^>]*class="secret-field select-all"/);
    expect(first.html).toContain(`<code class="select-all">${server.issuer}</code>`);
    expect(first.html).toContain(`${server.issuer}/.well-known/openid-configuration`);

    const reloaded = await page(browser, created.location!);
    expect(reloaded.status).toBe(200);
    expect(reloaded.html).not.toContain(secret);
    expect(reloaded.html).toContain('Its secret was shown once');
    const apps = await server.stores.handle.db.selectFrom('clients').select('client_id').where('source', '=', 'account').execute();
    expect(apps).toHaveLength(1);
  });

  it('shows a sealed secret only once, to its owner, even when the cookie is presented again', async () => {
    const secrets = createOneTimeSecrets({ key: 'one-time-secret-test-key-0123456789-0123456789', provider: server.app.provider, secure: false });
    const jar = new Map<string, string>();
    const ctx = {
      cookies: {
        get: (name: string) => jar.get(name),
        set: (name: string, value: string | null) => { if (value) jar.set(name, value); else jar.delete(name); },
      },
    } as unknown as Context;
    secrets.put(ctx, { clientId: 'app-1', userId: 'user-1', secret: 'the-secret' });
    const sealed = jar.get('op.new_secret')!;
    expect(sealed).not.toContain('the-secret');
    expect(await secrets.take(ctx, { clientId: 'app-1', userId: 'someone-else' })).toBeUndefined();
    expect(await secrets.take(ctx, { clientId: 'app-1', userId: 'user-1' })).toBe('the-secret');
    jar.set('op.new_secret', sealed);
    expect(await secrets.take(ctx, { clientId: 'app-1', userId: 'user-1' })).toBeUndefined();
    jar.set('op.new_secret', `${sealed.slice(0, -2)}xx`);
    expect(await secrets.take(ctx, { clientId: 'app-1', userId: 'user-1' })).toBeUndefined();
  });

  it('separates a superuser\'s own apps from all apps and leaves out the built-in account client', async () => {
    const browser = await signIn(sue);
    await post(browser, '/account/apps', { name: 'Sue Tools', kind: 'spa', redirect_uris: 'https://sue.example.com/cb' });
    const { html } = await page(browser, '/account/apps');
    const [mine, all] = html.split('All apps on this server');
    expect(mine).toContain('Sue Tools');
    expect(mine).not.toContain('Ada Web');
    expect(all).toContain('Ada Web');
    expect(all).toContain('Photo Book');
    expect(html).not.toContain('account-console');
  });

  it('asks before removing a connected app, and removes it only after the confirmation', async () => {
    const browser = await signIn(ada);
    const config = await discover(server.issuer, 'photos');
    const { url } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile' });
    await signInAndConsent(browser, url, ada);

    const list = await page(browser, '/account/connected');
    expect(list.html).toContain('href="/account/connected/photos/remove"');
    expect(list.html).not.toMatch(/<form[^>]*action="\/account\/connected\/photos\/revoke"/);
    const ask = await page(browser, '/account/connected/photos/remove');
    expect(ask.status).toBe(200);
    expect(ask.html).toContain('Remove access for Photo Book?');
    expect(ask.html).toContain('See your name and username');
    expect(ask.html).toContain('href="/account/connected">Keep access');
    expect((await page(browser, '/account/connected')).html).toContain('Photo Book');

    const removed = await post(browser, '/account/connected/photos/revoke', {});
    expect(removed).toMatchObject({ status: 303, location: '/account/connected?done=revoked' });
    expect((await page(browser, '/account/connected')).html).not.toContain('Photo Book');
    expect((await page(browser, '/account/connected/photos/remove')).status).toBe(404);
  });

  it('shows the role only to staff and superusers', async () => {
    expect((await page(await signIn(ada), '/account')).html).not.toContain('<dt>Role</dt>');
    expect((await page(await signIn(bob), '/account')).html).toMatch(/<dt>Role<\/dt><dd>staff<\/dd>/);
  });
});
