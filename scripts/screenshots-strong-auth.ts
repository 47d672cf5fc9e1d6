/**
 * The strong-authentication pages for npm run screenshots (screenshots.ts):
 * the Security page, recent authentication, authenticator-app setup, the
 * recovery codes shown once, the second-factor prompt and enrolment during
 * sign-in. Runs once per width; it leaves the account as it found it.
 */
import type { Kysely } from 'kysely';
import type { Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import type { Database } from '../src/db/schema.js';
import { upsertClientRow } from '../src/clients/clients-repository.js';
import type { ServerApp } from '../src/compose/create-server-app.js';

type Shot = (name: string) => Promise<void>;

const STRICT_CLIENT = 'payroll';
const NEWCOMER = { username: 'lin', password: 'lin-password-1', name: 'Lin Chen' };

/** A client that requires a second factor, and a person without one (for the enrolment page). */
export async function addStrongAuthFixtures(app: ServerApp, db: Kysely<Database>, redirectUri: string): Promise<void> {
  await app.accounts.createUser(NEWCOMER);
  await upsertClientRow(db, {
    clientId: STRICT_CLIENT, source: 'cli', secretHash: null,
    metadata: { client_name: 'Payroll', token_endpoint_auth_method: 'none', redirect_uris: [redirectUri], post_logout_redirect_uris: [], grant_types: ['authorization_code'], scope: 'openid profile', require_mfa: true, first_party: true },
  });
}

function authorizationUrl(issuer: string, redirectUri: string, clientId: string): string {
  const query = new URLSearchParams({
    client_id: clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid profile', state: 'demo',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  });
  return `${issuer}/auth?${query}`;
}

async function signIn(page: Page, user: { username: string; password: string }): Promise<void> {
  await page.getByLabel('Username or email').fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signOut(page: Page, issuer: string): Promise<void> {
  await page.goto(`${issuer}/session/end`);
  await page.locator('button[name="logout"][value="yes"]').click();
  await page.locator('h1', { hasText: 'You are signed out' }).waitFor();
}

export async function walkStrongAuth(page: Page, shot: Shot, env: { issuer: string; redirectUri: string; user: { username: string; password: string } }): Promise<void> {
  const { issuer, redirectUri, user } = env;
  await page.goto(`${issuer}/account/security`);
  if (await page.getByLabel('Username or email').count()) await signIn(page, user);
  await page.locator('h1', { hasText: 'Security' }).waitFor();
  await shot('17-account-security');
  await page.getByRole('link', { name: 'confirm it’s you' }).click();
  await shot('18-account-confirm');
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await page.getByRole('link', { name: 'Set up an authenticator app' }).waitFor();
  await shot('19-account-security-manage');
  await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
  await shot('20-account-totp-setup');
  const secret = Secret.fromBase32((await page.locator('code.select-all').textContent())!.trim());
  await page.getByLabel('Six-digit code').fill(TOTP.generate({ secret }));
  await page.getByRole('button', { name: 'Verify and turn on' }).click();
  await page.locator('ol.recovery-codes').waitFor();
  await shot('21-account-recovery-codes');
  await page.getByRole('link', { name: 'I saved them' }).click();
  await page.getByRole('button', { name: 'Remove authenticator app' }).waitFor();
  await shot('22-account-security-with-app');

  // The second-factor prompt after the password (the next code: one step ahead is accepted).
  await signOut(page, issuer);
  await page.goto(authorizationUrl(issuer, redirectUri, 'photo-book'));
  await signIn(page, user);
  await page.getByLabel('Code from your authenticator app').waitFor();
  await shot('23-second-factor');
  await page.getByLabel('Code from your authenticator app').fill(TOTP.generate({ secret, timestamp: Date.now() + 30_000 }));
  await page.getByRole('button', { name: 'Verify code' }).click();
  // Consent follows when this walk runs on its own (the full walk has allowed Photo Book already).
  const allow = page.getByRole('button', { name: 'Allow' });
  await Promise.race([page.waitForURL((url) => url.toString().startsWith(redirectUri)), allow.waitFor()]);
  if (await allow.count()) await allow.click();
  await page.waitForURL((url) => url.toString().startsWith(redirectUri));

  // Back to how it was, for the next width: remove the app again.
  await page.goto(`${issuer}/account/security/confirm`);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await page.getByRole('button', { name: 'Remove authenticator app' }).click();
  await page.getByRole('status').waitFor();

  // Enrolment during sign-in: a client that requires a second factor, a person without one.
  await signOut(page, issuer);
  await page.goto(authorizationUrl(issuer, redirectUri, STRICT_CLIENT));
  await signIn(page, NEWCOMER);
  await page.locator('h1', { hasText: 'Add a second step' }).waitFor();
  await shot('24-second-factor-enrol');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForURL((url) => url.toString().startsWith(redirectUri));
}
