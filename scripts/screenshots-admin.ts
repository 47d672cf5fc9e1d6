/**
 * The operator console's pages for npm run screenshots (screenshots.ts):
 * overview, people (list, search, one person, a confirmation), apps (list,
 * one app, a secret shown once, a refused redirect URI, a read-only client),
 * sessions and the audit trail. The screenshots' user is a superuser. Runs
 * once per width and changes nothing that a later pass needs (the
 * confirmation is cancelled; a rotation can be repeated).
 */
import type { Kysely } from 'kysely';
import type { Page } from 'playwright-core';
import { hashClientSecret } from '../src/clients/client-secret.js';
import { upsertClientRow } from '../src/clients/clients-repository.js';
import type { Database } from '../src/db/schema.js';
import type { ServerApp } from '../src/compose/create-server-app.js';

type Shot = (name: string) => Promise<void>;

const PEOPLE = [
  { username: 'hedy', name: 'Hedy Lamarr', email: 'hedy@example.com' },
  { username: 'helen', name: 'Helen Sharman', email: 'helen@example.com' },
  { username: 'linus', name: 'Linus Pauling', email: 'linus@example.com', role: 'staff' as const },
  { username: 'margaret', name: 'Margaret Hamilton', email: 'margaret@example.com' },
];

/** A few people to list, and a confidential client made with the CLI (rotatable, editable). */
export async function addAdminFixtures(app: ServerApp, db: Kysely<Database>): Promise<void> {
  for (const person of PEOPLE) await app.accounts.createUser({ ...person, password: `${person.username}-password-1` });
  await upsertClientRow(db, {
    clientId: 'newsletter', source: 'cli', secretHash: await hashClientSecret('newsletter-secret-0123456789-0123456789-0123'),
    metadata: {
      client_name: 'Newsletter', token_endpoint_auth_method: 'client_secret_basic', application_type: 'web',
      redirect_uris: ['https://newsletter.example.com/callback'], post_logout_redirect_uris: [], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], scope: 'openid profile email offline_access',
    },
  });
}

/** The console, signed in as the screenshots' superuser (after the account pages). */
export async function walkAdmin(page: Page, shot: Shot, issuer: string): Promise<void> {
  await page.goto(`${issuer}/admin`);
  await page.locator('h1', { hasText: 'Overview' }).waitFor();
  await shot('40-admin-overview');
  await page.goto(`${issuer}/admin/people`);
  await shot('41-admin-people');
  await page.getByLabel('Search people').fill('he');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'helen', exact: true }).waitFor();
  await shot('42-admin-people-search');
  await page.getByRole('link', { name: 'hedy', exact: true }).click();
  await page.locator('h1', { hasText: 'hedy' }).waitFor();
  await shot('43-admin-person');
  await page.getByRole('button', { name: 'Disable…' }).click();
  await page.locator('h1', { hasText: 'Disable hedy?' }).waitFor();
  await shot('44-admin-confirm');
  await page.getByRole('link', { name: 'Cancel' }).click();
  await page.locator('h1', { hasText: 'hedy' }).waitFor();

  await page.goto(`${issuer}/admin/apps`);
  await shot('45-admin-apps');
  await page.goto(`${issuer}/admin/apps/newsletter`);
  await shot('46-admin-app');
  await page.getByRole('button', { name: 'Generate a new secret…' }).click();
  await page.getByRole('button', { name: 'Generate a new secret', exact: true }).click();
  await page.getByLabel('Client secret').waitFor();
  await shot('47-admin-app-secret-once');
  await page.getByLabel('One per line').fill('http://newsletter.example.com/callback');
  await page.getByRole('button', { name: 'Save redirect URIs' }).click();
  await page.getByRole('alert').waitFor();
  await shot('48-admin-app-redirect-error');
  await page.goto(`${issuer}/admin/apps/account-console`);
  await shot('49-admin-app-read-only');

  await page.goto(`${issuer}/admin/sessions`);
  await shot('50-admin-sessions');
  await page.goto(`${issuer}/admin/audit`);
  await shot('51-admin-audit');
  await page.goto(`${issuer}/admin/audit?event=login.success`);
  await shot('52-admin-audit-filtered');
}
