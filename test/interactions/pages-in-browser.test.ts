import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, shown } from '../support/browser.js';
import { pkcePair, startLoopbackRedirect, type LoopbackRedirect } from '../support/loopback-redirect.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// The pages as a person uses them: headless Chromium against the assembled
// app, a relying party on a loopback redirect URI, tokens checked over HTTP.
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const user = { username: 'ada', password: 'ada-password-1', email: 'ada@example.com', name: 'Ada' };

describe('pages in a real browser', () => {
  let server: TestServer;
  let rp: LoopbackRedirect;
  let browser: Browser;

  beforeAll(async () => {
    [server, rp, browser] = await Promise.all([
      startTestServer('pages_browser', { env: { BRAND_NAME: 'Acme ID', BRAND_COLOR: '#0a7d4f' } }),
      startLoopbackRedirect(),
      launchBrowser(),
    ]);
    await server.app.accounts.createUser(user);
    await addTestClient(server.stores, {
      client_id: 'web-app', client_name: 'Photo Book', token_endpoint_auth_method: 'none', redirect_uris: [rp.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'], scope: 'openid profile email offline_access',
    });
    await addTestClient(server.stores, {
      client_id: 'tv-app', client_name: 'Living Room TV', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT], response_types: [], redirect_uris: [],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await server?.close();
  });

  async function fresh(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    return { context, page: await context.newPage() };
  }

  async function postForm(path: string, form: Record<string, string>, auth?: { id: string; secret: string }) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (auth) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(auth.id)}:${encodeURIComponent(auth.secret)}`).toString('base64')}`;
    const response = await fetch(`${server.issuer}${path}`, { method: 'POST', headers, body: new URLSearchParams(form) });
    return { status: response.status, body: await response.json() as Record<string, string> };
  }

  function authorizationUrl(clientId: string, redirectUri: string, challenge: string, scope = 'openid profile offline_access'): string {
    const query = new URLSearchParams({
      client_id: clientId, response_type: 'code', redirect_uri: redirectUri, scope, state: 'st-1',
      code_challenge: challenge, code_challenge_method: 'S256', prompt: 'consent',
    });
    return `${server.issuer}/auth?${query}`;
  }

  async function signIn(page: Page): Promise<void> {
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Login and consent in the browser; returns the code the relying party received. */
  async function authorize(page: Page, clientId: string, redirectUri: string, challenge: string): Promise<URL> {
    await page.goto(authorizationUrl(clientId, redirectUri, challenge));
    if (await page.getByLabel('Username or email').count()) await signIn(page);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.toString().startsWith(redirectUri));
    return new URL(page.url());
  }

  async function redeem(code: string, verifier: string, redirectUri: string, client: { id: string; secret?: string } = { id: 'web-app' }) {
    const form = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri };
    return client.secret
      ? postForm('/token', form, { id: client.id, secret: client.secret })
      : postForm('/token', { ...form, client_id: client.id });
  }

  it('runs authorization code + PKCE through the login and consent pages', async () => {
    const { context, page } = await fresh();
    const { verifier, challenge } = pkcePair();
    await page.goto(authorizationUrl('web-app', rp.redirectUri, challenge));
    expect(await shown(page.locator('h1'), 'Sign in')).toBe('Sign in');
    expect(await shown(page.locator('.brand-name'), 'Acme ID')).toBe('Acme ID');

    // One generic message for a wrong password.
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await shown(page.getByRole('alert'), 'Invalid username or password')).toBe('Invalid username or password');

    await signIn(page);
    expect(await shown(page.locator('h1'), 'Photo Book wants to access your account')).toContain('Photo Book wants to access your account');
    expect(await shown(page.locator('.scopes'), 'See your name and username')).toContain('See your name and username');
    expect(await shown(page.locator('.scopes'), 'Stay connected')).toContain('Stay connected');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.toString().startsWith(rp.redirectUri));
    const callback = new URL(page.url());
    expect(callback.searchParams.get('state')).toBe('st-1');

    const tokens = await redeem(callback.searchParams.get('code')!, verifier, rp.redirectUri);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ access_token: expect.any(String), id_token: expect.any(String), refresh_token: expect.any(String) });

    // Asking again for more: the consent page tells the new apart from what is already allowed.
    await page.goto(authorizationUrl('web-app', rp.redirectUri, challenge, 'openid profile email'));
    expect(await shown(page.locator('h2'), 'New permissions')).toBe('New permissions');
    expect(await shown(page.locator('.scopes').first(), 'See your email address')).not.toContain('See your name');
    expect(await shown(page.locator('details.granted'), 'Already allowed')).toContain('See your name and username');
    await context.close();
  });

  it('explains errors that cannot go back to the app on a readable page', async () => {
    const { context, page } = await fresh();
    const unknown = await page.goto(`${server.issuer}/auth?client_id=nobody&response_type=code&scope=openid`);
    expect(unknown?.status()).toBe(400);
    expect(await shown(page.locator('h1'), 'not recognised')).toBe('This application is not recognised');
    const query = new URLSearchParams({ client_id: 'web-app', response_type: 'code', scope: 'openid', redirect_uri: 'https://evil.example/cb', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
    const badRedirect = await page.goto(`${server.issuer}/auth?${query}`);
    expect(badRedirect?.status()).toBe(400);
    expect(page.url()).toContain(server.issuer);
    expect(await shown(page.locator('h1'), 'return address')).toBe('This application’s return address is not allowed');
    await context.close();
  });

  it('returns access_denied to the app when the person chooses Deny', async () => {
    const { context, page } = await fresh();
    await page.goto(authorizationUrl('web-app', rp.redirectUri, pkcePair().challenge));
    await signIn(page);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.toString().startsWith(rp.redirectUri));
    const callback = new URL(page.url());
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('code')).toBeNull();
    await context.close();
  });

  async function approveDevice(page: Page, enter: () => Promise<void>): Promise<void> {
    await enter();
    expect(await shown(page.locator('h1'), 'Connect Living Room TV?')).toContain('Connect Living Room TV?');
    expect(await shown(page.locator('.scopes'), 'See your name and username')).toContain('See your name and username');
    // One question: Allow on the confirmation is the consent; sign-in follows, then the device is connected.
    await page.getByRole('button', { name: 'Allow' }).click();
    await signIn(page);
    expect(await shown(page.locator('h1'), 'Device connected')).toBe('Device connected');
  }

  it('connects a device through verification_uri_complete and by typing the code', async () => {
    for (const way of ['complete', 'typed'] as const) {
      const start = await postForm('/device/auth', { client_id: 'tv-app', scope: 'openid profile' });
      expect(start.status).toBe(200);
      const { context, page } = await fresh();
      await approveDevice(page, async () => {
        if (way === 'complete') {
          // The code travels in the link: the page goes straight to the check.
          await page.goto(start.body.verification_uri_complete);
        } else {
          await page.goto(start.body.verification_uri);
          await page.getByLabel('Code').fill(` ${start.body.user_code.toLowerCase().replace('-', ' ')} `);
          await page.getByRole('button', { name: 'Continue' }).click();
        }
        expect(await shown(page.locator('.user-code'), start.body.user_code)).toBe(start.body.user_code);
      });
      const tokens = await postForm('/token', { grant_type: DEVICE_GRANT, device_code: start.body.device_code, client_id: 'tv-app' });
      expect(tokens.status).toBe(200);
      expect(tokens.body.access_token).toEqual(expect.any(String));
      await context.close();
    }
  });

  it('shows a readable failure for a wrong device code', async () => {
    const { context, page } = await fresh();
    await page.goto(`${server.issuer}/device`);
    await page.getByLabel('Code').fill('WRONG-CODE');
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await shown(page.getByRole('alert'), 'The code you entered is incorrect. Try again.')).toBe('The code you entered is incorrect. Try again.');
    await context.close();
  });

  it('revokes a connected app: its refresh token fails and its access token introspects inactive', async () => {
    const { context, page } = await fresh();
    const { verifier, challenge } = pkcePair();
    const callback = await authorize(page, 'web-app', rp.redirectUri, challenge);
    const tokens = await redeem(callback.searchParams.get('code')!, verifier, rp.redirectUri);
    expect(tokens.status).toBe(200);
    // The app itself asks (RFC 7662 §4: a client may introspect its own tokens; a public client names itself).
    const introspect = () => postForm('/token/introspection', { token: tokens.body.access_token, client_id: 'web-app' });
    expect((await introspect()).body.active).toBe(true);

    // Same browser, so the provider session signs the account area in without a password.
    await page.goto(`${server.issuer}/account/connected`);
    expect(await shown(page.locator('h1'), 'Connected apps')).toBe('Connected apps');
    const card = page.locator('.card', { hasText: 'Photo Book' });
    expect(await shown(card, 'See your name and username')).toContain('See your name and username');
    await card.getByRole('link', { name: 'Remove access for Photo Book' }).click();
    expect(await shown(page.locator('h1'), 'Remove access for Photo Book?')).toBe('Remove access for Photo Book?');
    await page.getByRole('button', { name: 'Remove access' }).click();
    expect(await shown(page.getByRole('status'), 'Access removed')).toContain('Access removed');
    expect(await page.locator('.card', { hasText: 'Photo Book' }).count()).toBe(0);

    const refreshed = await postForm('/token', { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: 'web-app' });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    expect((await introspect()).body).toEqual({ active: false });
    await context.close();
  });

  it('registers an app from My apps, shows its secret once, and the app signs a person in', async () => {
    const { context, page } = await fresh();
    await page.goto(`${server.issuer}/account/apps`);
    // Not signed in yet: the account area starts a sign-in and comes back.
    await signIn(page);
    expect(await shown(page.locator('h1'), 'My apps')).toBe('My apps');
    await page.getByRole('link', { name: 'Register an app' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Ada’s Blog');
    await page.getByLabel(/Web application/).check();
    await page.getByLabel('Redirect URIs').fill('http://blog.example.com/cb');
    await page.getByRole('button', { name: 'Register' }).click();
    expect(await shown(page.getByRole('alert'), 'must use https')).toContain('must use https');

    await page.getByLabel('Redirect URIs').fill(rp.redirectUri);
    await page.getByRole('button', { name: 'Register' }).click();
    expect(await shown(page.locator('h1'), 'Ada’s Blog')).toBe('Ada’s Blog');
    const secret = await page.getByLabel('Client secret').inputValue();
    const clientId = (await page.locator('#client-id').textContent())!.trim();
    expect(secret.length).toBeGreaterThanOrEqual(43);

    await page.goto(`${server.issuer}/account/apps/${encodeURIComponent(clientId)}`);
    expect(await shown(page.locator('h1'), 'Ada’s Blog')).toBe('Ada’s Blog');
    expect(await page.content()).not.toContain(secret);

    const { verifier, challenge } = pkcePair();
    const callback = await authorize(page, clientId, rp.redirectUri, challenge);
    const tokens = await redeem(callback.searchParams.get('code')!, verifier, rp.redirectUri, { id: clientId, secret });
    expect(tokens.status).toBe(200);
    expect(tokens.body.access_token).toEqual(expect.any(String));
    await context.close();
  });
});
