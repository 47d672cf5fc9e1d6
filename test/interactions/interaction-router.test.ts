import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { createAccountSelfService } from '../../src/accounts/account-self-service.js';
import { createAccountService, type AccountService } from '../../src/accounts/account-service.js';
import { createAccountAppsService } from '../../src/clients/account-apps-service.js';
import { createConnectedAppsService } from '../../src/oidc/account-pages/connected-apps-service.js';
import { claimsByScope, OIDC_SCOPES } from '../../src/scopes/scope-catalog.js';
import { createInteractionRouter } from '../../interactions/create-interaction-router.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';

// The router on its own, in front of a bare oidc-provider with its built-in
// memory adapter; whole flows through the assembled app live in test/flows.
const REDIRECT_URI = 'https://app.example.com/cb';
const HOSTILE_NAME = '<script>alert(1)</script> App';
const user = { username: 'Grace', password: 'grace-password-1' };

let stores: TestStores;
let accounts: AccountService;
let server: Server;
let issuer: string;

beforeAll(async () => {
  stores = await createTestStores('interaction-router', 'postgres');
  accounts = createAccountService({ db: stores.handle.db, bcryptCost: stores.config.bcryptCost });
  await accounts.createUser(user);
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The bare provider warns about its development-only adapter and keys; expected here.
  const { warn, info } = console;
  console.warn = () => {};
  console.info = () => {};
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'web', client_secret: 'web-secret-0123456789-0123456789', redirect_uris: [REDIRECT_URI], client_name: HOSTILE_NAME }],
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    scopes: [...OIDC_SCOPES],
    claims: claimsByScope(),
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['interaction-router-test-cookie-key-0123456789'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
  });
  Object.assign(console, { warn, info });
  const { db } = stores.handle;
  const router = createInteractionRouter({
    provider, accounts, branding: { productName: 'Acme ID' }, csrfKey: 'interaction-router-test-csrf-key-0123456789',
    self: createAccountSelfService({ db, bcryptCost: 4 }),
    apps: createAccountAppsService({ db, supportedScopes: OIDC_SCOPES }),
    connected: createConnectedAppsService({ db, provider }),
  });
  provider.use(router.routes());
  provider.use(router.allowedMethods());
  server.on('request', provider.callback());
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => { server.close(() => resolve()); });
  await stores.cleanup();
});

/** Starts an authorization request and lands on the login page. */
async function startAuthorization(browser: HttpBrowser, scope = 'openid email') {
  const params = new URLSearchParams({
    client_id: 'web', response_type: 'code', scope, redirect_uri: REDIRECT_URI, state: 'st',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  });
  const { response, url } = await browser.follow(`${issuer}/auth?${params}`);
  return { response, url, html: await response.text() };
}

async function submitLogin(browser: HttpBrowser, html: string, credentials: Record<string, string>) {
  const form = readForm(html, /\/login$/);
  const page = await browser.follow(form.action, { method: 'POST', form: { ...form.fields, ...credentials } });
  return { ...page, html: await page.response.text() };
}

describe('interaction router', () => {
  it('shows the login page, escaped, not cached, with labelled fields', async () => {
    const { response, url, html } = await startAuthorization(new HttpBrowser(issuer));
    expect(url).toMatch(/\/interaction\/[\w-]+$/);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; App');
    expect(html).not.toContain(HOSTILE_NAME);
    expect(html).toContain('<label for="username">');
    expect(html).toContain('<label for="password">');
    expect(html).toContain('Acme ID');
  });

  it('answers a wrong password, an unknown user and an empty form with the login page again', async () => {
    const browser = new HttpBrowser(issuer);
    const { html } = await startAuthorization(browser);
    for (const credentials of [{ username: 'grace', password: 'wrong-password' }, { username: 'nobody', password: 'grace-password-1' }]) {
      const page = await submitLogin(browser, html, credentials);
      expect(page.response.status).toBe(401);
      expect(page.response.headers.get('cache-control')).toBe('no-store');
      expect(page.html).toContain('Invalid username or password');
      expect(page.html).toContain(`value="${credentials.username}"`);
    }
    const empty = await submitLogin(browser, html, { username: '', password: '' });
    expect(empty.response.status).toBe(400);
    expect(empty.html).toContain('name="password"');
  });

  it('refuses a consent post while the login prompt is pending with a readable 400 page', async () => {
    const browser = new HttpBrowser(issuer);
    const { url, html } = await startAuthorization(browser);
    const { _csrf } = readForm(html, /\/login$/).fields;
    const response = await browser.request(`${url}/confirm`, { method: 'POST', form: { _csrf } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('This step is not available');
  });

  it('signs in case-insensitively, shows consent with scope descriptions, and Allow returns a code', async () => {
    const browser = new HttpBrowser(issuer);
    const { html } = await startAuthorization(browser);
    const consent = await submitLogin(browser, html, { username: 'GRACE', password: user.password });
    expect(consent.response.status).toBe(200);
    expect(consent.response.headers.get('cache-control')).toBe('no-store');
    expect(consent.html).toContain('Know who you are');
    expect(consent.html).toContain('See your email address');
    expect(consent.html).toContain('&lt;script&gt;');
    expect(consent.html).toMatch(/>Allow</);
    expect(consent.html).toMatch(/>Deny</);

    const allow = readForm(consent.html, /\/confirm$/);
    const done = await browser.follow(allow.action, { method: 'POST', form: allow.fields });
    const callback = new URL(done.url);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
    expect(callback.searchParams.get('state')).toBe('st');
    expect((await accounts.findUserByUsername('grace'))?.lastLoginAt).toBeInstanceOf(Date);
  });

  it('Deny on consent and Cancel on login return access_denied', async () => {
    const browser = new HttpBrowser(issuer);
    const { html } = await startAuthorization(browser, 'openid profile');
    const consent = await submitLogin(browser, html, user);
    const deny = readForm(consent.html, /\/abort$/);
    const denied = await browser.follow(deny.action, { method: 'POST', form: deny.fields });
    expect(new URL(denied.url).searchParams.get('error')).toBe('access_denied');

    const other = new HttpBrowser(issuer);
    const login = await startAuthorization(other);
    const cancel = readForm(login.html, /\/abort$/);
    const cancelled = await other.follow(cancel.action, { method: 'POST', form: cancel.fields });
    expect(new URL(cancelled.url).searchParams.get('error')).toBe('access_denied');
  });

  it('shows a readable error page for an unknown or expired interaction', async () => {
    // A real browser state: the CSRF cookie and token of a page it was shown.
    const browser = new HttpBrowser(issuer);
    const { _csrf } = readForm((await startAuthorization(browser)).html, /\/login$/).fields;
    // Only the CSRF cookie stays: the interaction cookie would point at the real interaction.
    browser.dropCookie('_interaction');
    browser.dropCookie('_interaction.sig');
    for (const [method, path] of [['GET', '/interaction/unknown-uid'], ['POST', '/interaction/unknown-uid/login'], ['POST', '/interaction/unknown-uid/abort']]) {
      const response = await browser.request(`${issuer}${path}`, {
        method, form: method === 'POST' ? { username: 'a', password: 'b', _csrf } : undefined,
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const html = await response.text();
      expect(html).toContain('This sign-in request has expired');
      expect(html).not.toMatch(/at .*\.[jt]s:\d+/);
    }
  });

  it('serves the stylesheet', async () => {
    const response = await fetch(`${issuer}/interaction-assets/style.css`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await response.text()).toContain('.panel');
  });
});
