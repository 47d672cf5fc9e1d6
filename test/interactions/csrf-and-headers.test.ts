import Koa from 'koa';
import request from 'supertest';
import { createAccountSelfService } from '../../src/accounts/account-self-service.js';
import { createAccountAppsService } from '../../src/clients/account-apps-service.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createConnectedAppsService } from '../../src/oidc/account-pages/connected-apps-service.js';
import { KNOWN_SCOPES } from '../../src/scopes/scope-catalog.js';
import { createInteractionRouter } from '../../interactions/create-interaction-router.js';
import { createCsrfGuard } from '../../interactions/csrf.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const user = { username: 'grace', password: 'grace-password-1' };

describe('CSRF protection and security headers on our pages', () => {
  let server: TestServer;
  let browser: HttpBrowser;
  let csrf: string;

  /** Every POST route of the interaction and account router, read from the router itself. */
  function postRoutes(): string[] {
    const { db } = server.stores.handle;
    const { provider, accounts } = server.app;
    const router = createInteractionRouter({
      provider, accounts, csrfKey: 'x'.repeat(32),
      self: createAccountSelfService({ db, bcryptCost: 4 }),
      apps: createAccountAppsService({ db, supportedScopes: KNOWN_SCOPES }),
      connected: createConnectedAppsService({ db, provider }),
    });
    return router.stack.filter((layer) => layer.methods.includes('POST')).map((layer) => String(layer.path).replace(/:(\w+)/g, 'some-$1'));
  }

  beforeAll(async () => {
    server = await startTestServer('csrf_headers', { env: { BRAND_COLOR: '#c0ffee' } });
    await server.app.accounts.createUser(user);
    // Signed in to the account area the way a browser is: sign-in request, login page, callback.
    browser = new HttpBrowser(server.issuer);
    const login = await browser.follow('/account');
    const form = readForm(await login.response.text(), /\/login$/);
    const account = await browser.follow(form.action, { form: { ...form.fields, ...user } });
    const html = await account.response.text();
    expect(html).toContain('Your account');
    csrf = readForm(html, /\/account\/profile$/).fields._csrf;
  });
  afterAll(async () => { await server.close(); });

  it('refuses every POST without a valid token with a readable 403 page, and changes nothing', async () => {
    const routes = postRoutes();
    expect(routes).toEqual(expect.arrayContaining(['/interaction/some-uid/login', '/interaction/some-uid/confirm', '/account/password', '/account/apps']));
    for (const path of routes) {
      for (const form of [{} as Record<string, string>, { _csrf: '' }, { _csrf: `${csrf.slice(0, -2)}AA` }, { _csrf: csrf.slice(1) }]) {
        // A signed-in browser (cookies sent) whose form lacks the right token: a forged cross-site post.
        const response = await browser.request(path, { method: 'POST', form: { ...form, current_password: user.password, new_password: 'changed-password-9', confirm_password: 'changed-password-9', name: 'Forged', kind: 'web', redirect_uris: 'https://evil.example/cb' } });
        expect([path, response.status]).toEqual([path, 403]);
        expect(response.headers.get('content-type')).toMatch(/text\/html/);
        expect(await response.text()).toContain('This form has expired');
      }
      // A post from another browser, with no cookie at all.
      const stranger = await fetch(`${server.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}` });
      expect([path, stranger.status]).toEqual([path, 403]);
    }
    expect(await server.app.accounts.authenticate(user.username, user.password)).not.toBeNull();
    const apps = await browser.follow('/account/apps');
    expect(await apps.response.text()).not.toContain('Forged');
  });

  it('accepts the same post with the token of the page', async () => {
    const response = await browser.request('/account/profile', { method: 'POST', form: { _csrf: csrf, name: 'Grace H.' } });
    expect(response.status).toBe(303);
    expect((await server.app.accounts.findUserByUsername(user.username))?.name).toBe('Grace H.');
  });

  it('sends strict security headers and cookie flags on the pages', async () => {
    const stranger = new HttpBrowser(server.issuer);
    for (const path of ['/account', '/account/apps/new', '/account/connected']) {
      const page = path === '/account' ? await stranger.follow(path) : await browser.request(path);
      expect(page instanceof Response ? page.status : page.response.status).toBe(200);
      const response = page instanceof Response ? page : page.response;
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const markup = (await response.text()).replace(/"[^"]*"/g, '""');
      expect(markup).not.toMatch(/<script|<style|<[^>]*\s(style|on\w+)=/i);
    }
    const first = await fetch(`${server.issuer}/account/sign-in`, { redirect: 'manual' });
    const cookies = first.headers.getSetCookie();
    expect(cookies.find((cookie) => cookie.startsWith('op.account_state='))).toMatch(/httponly/i);
    const login = await fetch(new URL(first.headers.get('location')!, server.issuer), { redirect: 'manual' });
    const interaction = await fetch(new URL(login.headers.get('location')!, server.issuer), { headers: { cookie: login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') } });
    const csrfCookie = interaction.headers.getSetCookie().find((cookie) => cookie.startsWith('op.csrf='));
    expect(csrfCookie).toMatch(/; path=\//);
    expect(csrfCookie).toMatch(/samesite=lax/i);
    expect(csrfCookie).toMatch(/httponly/i);
    // http issuer here: not Secure (an https issuer is checked below).
    expect(csrfCookie).not.toMatch(/secure/i);
  });

  it('marks the CSRF cookie Secure when the issuer is https', async () => {
    const app = new Koa();
    const guard = createCsrfGuard({ key: 'k'.repeat(32), secure: true }, async () => {});
    app.use(guard.issue);
    app.use((ctx) => { ctx.body = 'ok'; });
    const response = await request(app.callback()).get('/');
    expect(response.headers['set-cookie']?.[0]).toMatch(/^op\.csrf=[\w-]{43}; path=\/; samesite=lax; secure; httponly$/i);
  });

  it('serves the brand colour as a stylesheet and validates BRAND_* variables', async () => {
    const css = await fetch(`${server.issuer}/interaction-assets/brand.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toContain('--accent: #c0ffee; --accent-text: #000000;');
    expect(() => loadConfig({ BRAND_COLOR: 'red;}body{display:none' })).toThrow(/BRAND_COLOR: must be a hex colour/);
    expect(() => loadConfig({ BRAND_LOGO_URL: 'http://example.com/logo.png' })).toThrow(/BRAND_LOGO_URL/);
    expect(loadConfig({ BRAND_NAME: 'Acme ID', BRAND_COLOR: '#0A7D4F', BRAND_LOGO_URL: 'https://cdn.example.com/logo.svg' }).branding)
      .toEqual({ name: 'Acme ID', color: '#0A7D4F', logoUrl: 'https://cdn.example.com/logo.svg' });
  });
});
