import type { Browser, Page } from 'playwright-core';
import { decodeJwt } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { launchBrowser, shown } from '../support/browser.js';
import { pkcePair, startLoopbackRedirect, type LoopbackRedirect } from '../support/loopback-redirect.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// The authenticator app (RFC 6238) and recovery codes through the pages, in
// headless Chromium, with codes computed here as the app would.
const MFA_ACR = 'https://refeds.org/profile/mfa';
const PASSWORD = 'correct-horse-1';
const KEY_ENCRYPTION_SECRET = 'totp-at-rest-test-key-0123456789-abcdef';

/** The app's code `steps` periods from now (the server accepts one step either side). */
function codeAt(secret: string, steps = 0): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + steps * 30_000 });
}

describe('authenticator app and recovery codes in a real browser', () => {
  let server: TestServer;
  let rp: LoopbackRedirect;
  let browser: Browser;

  beforeAll(async () => {
    [server, rp, browser] = await Promise.all([
      // Three wrong codes lock an (account, address) pair, to see the throttle quickly.
      startTestServer('totp_browser', { env: { LOGIN_LOCKOUT_THRESHOLD: '3', KEY_ENCRYPTION_SECRET } }),
      startLoopbackRedirect(),
      launchBrowser(),
    ]);
    for (const username of ['grace', 'hopper']) await server.app.accounts.createUser({ username, password: PASSWORD });
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

  async function signInWithPassword(page: Page, username: string): Promise<void> {
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  /** Account page → Security → confirm the password → set up the app; returns its key and the recovery codes. */
  async function enrol(page: Page, username: string): Promise<{ secret: string; codes: string[] }> {
    await page.goto(`${server.issuer}/account/security/totp`);
    await signInWithPassword(page, username);
    expect(await shown(page.locator('h1'), 'Confirm it’s you')).toBe('Confirm it’s you');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    expect(await shown(page.locator('h1'), 'Set up an authenticator app')).toBe('Set up an authenticator app');
    const secret = (await page.locator('code.select-all').textContent())!.trim();
    expect(await page.getByRole('img', { name: 'QR code for your authenticator app' }).getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    await page.getByLabel('Six-digit code').fill(codeAt(secret));
    await page.getByRole('button', { name: 'Verify and turn on' }).click();
    expect(await shown(page.locator('h1'), 'Your recovery codes')).toBe('Your recovery codes');
    const codes = (await page.locator('ol.recovery-codes li').allTextContents()).map((code) => code.trim());
    await page.getByRole('link', { name: 'I saved them' }).click();
    expect(await shown(page.locator('main'), 'Set up')).toContain('10 of 10 left');
    return { secret, codes };
  }

  /** Starts a sign-in for the app and gets past the password, to the second-factor page. */
  async function toSecondFactor(page: Page, username: string): Promise<string> {
    const { verifier, challenge } = pkcePair();
    await page.context().clearCookies();
    const query = new URLSearchParams({ client_id: 'web-app', response_type: 'code', redirect_uri: rp.redirectUri, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' });
    await page.goto(`${server.issuer}/auth?${query}`);
    await signInWithPassword(page, username);
    expect(await shown(page.locator('h1'), 'Confirm it’s you')).toBe('Confirm it’s you');
    return verifier;
  }

  async function submitCode(page: Page, code: string): Promise<void> {
    await page.getByLabel('Code from your authenticator app').fill(code);
    await page.getByRole('button', { name: 'Verify code' }).click();
  }

  async function idToken(page: Page, verifier: string): Promise<Record<string, unknown>> {
    await page.waitForURL((url) => url.toString().startsWith(rp.redirectUri));
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: new URL(page.url()).searchParams.get('code')!, code_verifier: verifier, redirect_uri: rp.redirectUri, client_id: 'web-app' }),
    });
    expect(response.status).toBe(200);
    return decodeJwt((await response.json() as { id_token: string }).id_token);
  }

  it('enrols the app on the account page, accepts a code once, and a recovery code once', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { secret, codes } = await enrol(page, 'grace');
    expect(codes).toHaveLength(10);

    // At rest: the secret sealed with KEY_ENCRYPTION_SECRET, the codes only as hashes.
    const { db } = server.stores.handle;
    const grace = (await server.app.accounts.findUserByUsername('grace'))!;
    const stored = await db.selectFrom('totp_secrets').selectAll().where('account_id', '=', grace.id).executeTakeFirstOrThrow();
    expect(stored.encrypted).toBe(true);
    expect(stored.secret).not.toContain(secret);
    const hashes = await db.selectFrom('recovery_codes').select('code_hash').where('account_id', '=', grace.id).execute();
    expect(hashes.map((row) => row.code_hash).some((hash) => codes.some((code) => hash.includes(code.replace(/-/g, ''))))).toBe(false);

    // The next code (within the ±1 step window): password + app → two factors.
    const code = codeAt(secret, 1);
    let verifier = await toSecondFactor(page, 'grace');
    await submitCode(page, code);
    const claims = await idToken(page, verifier);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(MFA_ACR);

    // The same code again is refused, however fast it comes back.
    verifier = await toSecondFactor(page, 'grace');
    await submitCode(page, code);
    expect(await shown(page.getByRole('alert'), 'used already')).toContain('That code was used already');

    // A recovery code works instead, once.
    await page.getByText('Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(codes[3].toUpperCase());
    await page.getByRole('button', { name: 'Use recovery code' }).click();
    expect((await idToken(page, verifier)).amr).toEqual(['pwd', 'otp', 'mfa']);
    await toSecondFactor(page, 'grace');
    await page.getByText('Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(codes[3]);
    await page.getByRole('button', { name: 'Use recovery code' }).click();
    expect(await shown(page.getByRole('alert'), 'recovery code')).toContain('used already');

    // The account page shows what is left and when one was used; the audit trail has each step.
    await page.goto(`${server.issuer}/account/security`);
    expect(await shown(page.locator('main'), '9 of 10 left')).toContain('9 of 10 left');
    expect(await page.locator('ul.recovery-used li').count()).toBe(1);
    const events = await db.selectFrom('audit_events').select(['event', 'details']).where('actor', '=', grace.id).where('event', 'like', 'mfa.%').execute();
    const seen = events.map((row) => `${row.event}:${String(row.details.factor)}`);
    expect(seen).toEqual(expect.arrayContaining(['mfa.enrolled:totp', 'mfa.enrolled:recovery_code', 'mfa.used:totp', 'mfa.failure:totp', 'mfa.used:recovery_code', 'mfa.failure:recovery_code']));
    await context.close();
  });

  it('counts wrong codes toward the second-factor throttle, which then refuses even the right one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { secret } = await enrol(page, 'hopper');
    await toSecondFactor(page, 'hopper');
    // A code no step near now produces (the server accepts one step either side).
    const near = new Set([-2, -1, 0, 1, 2].map((steps) => codeAt(secret, steps)));
    let wrong = '000000';
    for (let n = 0; near.has(wrong) && n < 10; n += 1) wrong = String(n + 1).repeat(6);
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      await submitCode(page, wrong);
      expect(await shown(page.getByRole('alert'), 'not right')).toContain('That code is not right');
    }
    const locked = page.waitForResponse((response) => response.url().endsWith('/totp'));
    await submitCode(page, wrong);
    expect((await locked).status()).toBe(429);
    expect(await shown(page.getByRole('alert'), 'Too many attempts')).toContain('try again in');
    const stillLocked = page.waitForResponse((response) => response.url().endsWith('/totp'));
    await submitCode(page, codeAt(secret, 1));
    expect((await stillLocked).status()).toBe(429);

    const hopper = (await server.app.accounts.findUserByUsername('hopper'))!;
    const events = await server.stores.handle.db.selectFrom('audit_events').select('event').where('actor', '=', hopper.id).execute();
    expect(events.filter((row) => row.event === 'mfa.failure')).toHaveLength(3);
    expect(events.map((row) => row.event)).toContain('mfa.locked');
    await context.close();
  });
});
