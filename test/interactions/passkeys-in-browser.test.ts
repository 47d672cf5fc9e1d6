import type { Browser, BrowserContext, Page } from 'playwright-core';
import { decodeJwt } from 'jose';
import { launchBrowser, shown } from '../support/browser.js';
import { pkcePair, startLoopbackRedirect, type LoopbackRedirect } from '../support/loopback-redirect.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// Passkeys as a person uses them: headless Chromium with the DevTools virtual
// authenticator (a platform authenticator holding discoverable credentials,
// verifying the user), against the assembled app on http://localhost —
// WebAuthn refuses IP-address origins such as 127.0.0.1 (WebAuthn §5.1.3).
const user = { username: 'ada', password: 'ada-password-1', name: 'Ada' };
const MFA_ACR = 'https://refeds.org/profile/mfa';

describe('passkeys in a real browser', () => {
  let server: TestServer;
  let rp: LoopbackRedirect;
  let browser: Browser;

  beforeAll(async () => {
    [server, rp, browser] = await Promise.all([startTestServer('passkeys_browser', { issuerHost: 'localhost' }), startLoopbackRedirect(), launchBrowser()]);
    await server.app.accounts.createUser(user);
    await addTestClient(server.stores, {
      client_id: 'web-app', client_name: 'Photo Book', token_endpoint_auth_method: 'none', redirect_uris: [rp.redirectUri],
      grant_types: ['authorization_code'], scope: 'openid profile', first_party: true,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await server?.close();
  });

  /** A browser profile with its own virtual authenticator (kept across the test's pages). */
  async function withAuthenticator(): Promise<{ context: BrowserContext; page: Page; credentials: () => Promise<number>; presence: (enabled: boolean) => Promise<unknown> }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length;
    // With presence simulated, the authenticator answers at once, even the
    // sign-in page's conditional (autofill) request; off, requests wait.
    const presence = (enabled: boolean) => cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    return { context, page, credentials, presence };
  }

  function authorizationUrl(challenge: string, extra: Record<string, string> = {}): string {
    const query = new URLSearchParams({
      client_id: 'web-app', response_type: 'code', redirect_uri: rp.redirectUri, scope: 'openid profile', state: 'st',
      code_challenge: challenge, code_challenge_method: 'S256', ...extra,
    });
    return `${server.issuer}/auth?${query}`;
  }

  async function idTokenClaims(page: Page, verifier: string): Promise<Record<string, unknown>> {
    await page.waitForURL((url) => url.toString().startsWith(rp.redirectUri));
    const code = new URL(page.url()).searchParams.get('code')!;
    const response = await fetch(`${server.issuer.replace('localhost', '127.0.0.1')}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: rp.redirectUri, client_id: 'web-app' }),
    });
    const body = await response.json() as { id_token: string };
    expect(response.status).toBe(200);
    return decodeJwt(body.id_token);
  }

  async function signInWithPassword(page: Page): Promise<void> {
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async function signOut(page: Page): Promise<void> {
    await page.goto(`${server.issuer}/session/end`);
    // The provider's logout form: the button that sends logout=yes.
    await page.locator('button[name="logout"][value="yes"]').click();
    await shown(page.locator('h1'), 'You are signed out');
  }

  it('registers a passkey on the account page, signs in with it alone, uses it after a password, and removes it', async () => {
    const { context, page, credentials, presence } = await withAuthenticator();

    // Register: the account page asks for the password again first.
    await page.goto(`${server.issuer}/account/security`);
    await signInWithPassword(page);
    expect(await shown(page.locator('h1'), 'Security')).toBe('Security');
    await page.getByRole('link', { name: 'confirm it’s you' }).click();
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByLabel('Name').fill('Work laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    // The first factor comes with ten recovery codes, shown once.
    expect(await shown(page.locator('h1'), 'Your recovery codes')).toBe('Your recovery codes');
    expect(await page.locator('ol.recovery-codes li').count()).toBe(10);
    await page.getByRole('link', { name: 'I saved them' }).click();
    const card = page.locator('.card.passkey', { hasText: 'Work laptop' });
    expect(await shown(card, 'Work laptop')).toContain('last used —');
    expect(await credentials()).toBe(1);
    await signOut(page);

    // Sign in with the passkey and no username: the button on the login page.
    await presence(false);
    const first = pkcePair();
    await page.goto(authorizationUrl(first.challenge));
    const button = page.getByRole('button', { name: 'Use a passkey' });
    await button.waitFor();
    await presence(true);
    await button.click();
    const alone = await idTokenClaims(page, first.verifier);
    expect(alone.amr).toEqual(['hwk', 'user', 'mfa']);
    expect(alone.acr).toBe(MFA_ACR);
    await signOut(page);

    // ... and through autofill (conditional mediation): the browser offers the
    // passkey in the username field; the virtual authenticator picks it at once.
    const autofill = pkcePair();
    await page.goto(authorizationUrl(autofill.challenge));
    expect((await idTokenClaims(page, autofill.verifier)).amr).toEqual(['hwk', 'user', 'mfa']);
    await signOut(page);

    // A password first, then the passkey as the second factor.
    await presence(false);
    const second = pkcePair();
    // max_age asks for auth_time (Core §3.1.2.1): the time of the last factor.
    await page.goto(authorizationUrl(second.challenge, { max_age: '3600' }));
    await signInWithPassword(page);
    expect(await shown(page.locator('h1'), 'Confirm it’s you')).toBe('Confirm it’s you');
    await presence(true);
    const beforeSecondFactor = Math.floor(Date.now() / 1000);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    const both = await idTokenClaims(page, second.verifier);
    expect(both.amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
    expect(both.acr).toBe(MFA_ACR);
    expect(both.auth_time).toBeGreaterThanOrEqual(beforeSecondFactor);

    // Remove it (the session is fresh, but removing asks for the password again).
    await page.goto(`${server.issuer}/account/security`);
    expect(await shown(card, 'Work laptop')).not.toContain('last used —');
    await page.getByRole('link', { name: 'confirm it’s you' }).click();
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByRole('button', { name: 'Remove passkey Work laptop' }).click();
    expect(await shown(page.getByRole('status'), 'last second step was removed')).toContain('recovery codes');
    expect(await page.locator('.card.passkey').count()).toBe(0);

    // The authenticator still holds the passkey the server forgot: autofill
    // offers it, the server refuses it, and the page does not offer it again
    // by itself (no loop); a password alone signs in, as there is no factor left.
    await signOut(page);
    const third = pkcePair();
    await page.goto(authorizationUrl(third.challenge));
    expect(await shown(page.getByRole('alert'), 'could not be used')).toContain('That passkey could not be used here');
    await signInWithPassword(page);
    const password = await idTokenClaims(page, third.verifier);
    expect(password.amr).toEqual(['pwd']);

    // Each step is in the audit trail, by name and never by secret.
    const ada = (await server.app.accounts.findUserByUsername(user.username))!;
    const events = await server.stores.handle.db.selectFrom('audit_events').select(['event', 'details']).where('actor', '=', ada.id).where('event', 'like', 'mfa.%').execute();
    expect(events.map((row) => `${row.event}:${String(row.details.factor)}`)).toEqual(expect.arrayContaining([
      'mfa.enrolled:passkey', 'mfa.enrolled:recovery_code', 'mfa.used:passkey', 'mfa.removed:passkey',
    ]));
    await context.close();
  });
});
