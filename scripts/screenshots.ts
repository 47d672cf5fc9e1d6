/**
 * npm run screenshots: starts the server on embedded storage (PGlite) in a
 * temporary folder, walks every page a person sees, and writes PNGs at
 * desktop (1280 px) and phone (390 px) widths, and the phone width again in
 * dark mode (prefers-color-scheme: dark), into screenshots/ (git-ignored).
 * Set BRAND_NAME / BRAND_COLOR / BRAND_LOGO_URL to see a branded run.
 */
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../src/config/load-config.js';
import { createDb } from '../src/db/create-db.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { upsertClientRow } from '../src/clients/clients-repository.js';
import { createServerApp } from '../src/compose/create-server-app.js';
import { createLogger } from '../src/observability/logger.js';
import { launchBrowser } from './launch-browser.js';
import { addStrongAuthFixtures, walkStrongAuth } from './screenshots-strong-auth.js';
import { addAdminFixtures, walkAdmin } from './screenshots-admin.js';
import { addAccountMailFixtures, startMailCatcher, walkAccountMail } from './screenshots-account-mail.js';

const OUT_DIR = path.resolve('screenshots');
const WIDTHS = { desktop: 1280, phone: 390 } as const;
const PASSES = [
  ...Object.entries(WIDTHS).map(([label, width]) => ({ label, width, colorScheme: 'light' as const })),
  { label: 'phone-dark', width: WIDTHS.phone, colorScheme: 'dark' as const },
];
const USER = { username: 'ada', password: 'ada-password-1', name: 'Ada Lovelace', email: 'ada@example.com' };
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

async function startServer(dataDir: string, smtpUrl: string) {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  // localhost, not 127.0.0.1: browsers run passkey ceremonies only on a domain (WebAuthn §5.1.3).
  const issuer = `http://localhost:${port}`;
  const config = loadConfig({
    NODE_ENV: 'development', LOG_LEVEL: 'silent', DATA_DIR: dataDir, PORT: String(port), ISSUER: issuer, BCRYPT_COST: '4',
    BRAND_NAME: process.env.BRAND_NAME ?? 'Acme ID', BRAND_COLOR: process.env.BRAND_COLOR ?? '#0a7d4f', BRAND_LOGO_URL: process.env.BRAND_LOGO_URL,
    // Account mails go to the script's own SMTP server; sign-up is on so its pages can be shown.
    SMTP_URL: smtpUrl, SIGNUP: 'open', RATE_LIMIT_MAIL_PER_ACCOUNT: '0',
  });
  const database = await createDb(config);
  await migrateToLatest(database.db, config.database.schema);
  const app = await createServerApp({ config, database, redis: undefined, logger: createLogger({ level: 'silent' }) });
  server.on('request', app.callback());
  await app.accounts.createUser({ ...USER, role: 'superuser' });
  const redirectUri = `${issuer}/demo-callback`;
  await upsertClientRow(database.db, {
    clientId: 'photo-book', source: 'cli', secretHash: null,
    metadata: { client_name: 'Photo Book', token_endpoint_auth_method: 'none', redirect_uris: [redirectUri], post_logout_redirect_uris: [], grant_types: ['authorization_code', 'refresh_token'], scope: 'openid profile email offline_access', client_uri: 'https://photobook.example.com', policy_uri: 'https://photobook.example.com/privacy' },
  });
  await upsertClientRow(database.db, {
    clientId: 'living-room-tv', source: 'cli', secretHash: null,
    metadata: { client_name: 'Living Room TV', token_endpoint_auth_method: 'none', redirect_uris: [], response_types: [], grant_types: [DEVICE_GRANT], scope: 'openid profile' },
  });
  await addStrongAuthFixtures(app, database.db, redirectUri);
  await addAdminFixtures(app, database.db);
  await addAccountMailFixtures(app);
  return {
    issuer, redirectUri,
    async close() {
      app.beginShutdown();
      server.closeAllConnections();
      await new Promise<void>((resolve) => { server.close(() => resolve()); });
      await database.close();
    },
  };
}

type Shot = (name: string) => Promise<void>;

async function walk(page: Page, shot: Shot, issuer: string, redirectUri: string): Promise<void> {
  const auth = new URLSearchParams({
    client_id: 'photo-book', response_type: 'code', redirect_uri: redirectUri, scope: 'openid profile email offline_access', state: 'demo',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  });
  await page.goto(`${issuer}/`);
  await shot('00-start');
  await page.goto(`${issuer}/auth?${auth}`);
  await shot('01-login');
  await page.getByLabel('Username or email').fill(USER.username);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  await shot('02-login-error');
  await page.getByLabel('Password', { exact: true }).fill(USER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  await shot('03-consent');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((url) => url.toString().startsWith(redirectUri));

  await page.goto(`${issuer}/auth?client_id=unknown-app&response_type=code&scope=openid`);
  await shot('04-error-unknown-client');
  await page.goto(`${issuer}/account/nothing-here`);
  await shot('04b-error-not-found');

  const device = await fetch(`${issuer}/device/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=living-room-tv&scope=openid%20profile' });
  const { user_code: userCode } = await device.json() as { user_code: string };
  await page.goto(`${issuer}/device`);
  await shot('05-device-enter-code');
  await page.getByLabel('Code').fill('WRONG-CODE');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('alert').waitFor();
  await shot('06-device-wrong-code');
  await page.getByLabel('Code').fill(userCode.toLowerCase());
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('.user-code').waitFor();
  await shot('07-device-confirm');
  // One question: Allow on the confirmation is the consent (interactions/device-consent.ts).
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.locator('h1', { hasText: 'Device connected' }).waitFor();
  await shot('08-device-success');

  await walkAccount(page, shot, issuer);
  // The operator console (the screenshots' user is a superuser).
  await walkAdmin(page, shot, issuer);

  await page.goto(`${issuer}/session/end`);
  await shot('15-logout-confirm');
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.locator('h1', { hasText: 'You are signed out' }).waitFor();
  await shot('16-logout-success');

  await walkStrongAuth(page, shot, { issuer, redirectUri, user: USER });
}

async function walkAccount(page: Page, shot: Shot, issuer: string): Promise<void> {
  await page.goto(`${issuer}/account`);
  await shot('09-account-profile');
  await page.goto(`${issuer}/account/password`);
  await shot('10-account-password');
  await page.goto(`${issuer}/account/connected`);
  await shot('11-account-connected-apps');
  await page.getByRole('link', { name: 'Remove access for Photo Book' }).click();
  await page.getByRole('button', { name: 'Remove access' }).waitFor();
  await shot('11b-account-remove-access');
  await page.goto(`${issuer}/account/apps/new`);
  await page.getByLabel('Name', { exact: true }).fill('Ada’s Blog');
  await page.getByLabel('Redirect URIs').fill('http://blog.example.com/callback');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('alert').waitFor();
  await shot('12-account-register-app-error');
  await page.getByLabel('Redirect URIs').fill('https://blog.example.com/callback');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByLabel('Client secret').waitFor();
  await shot('13-account-app-secret-once');
  await page.reload();
  await shot('13b-account-app-after-reload');
  await page.goto(`${issuer}/account/apps`);
  await shot('14-account-my-apps');
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'oidc-screenshots-'));
  await mkdir(OUT_DIR, { recursive: true });
  const mail = await startMailCatcher();
  const server = await startServer(dataDir, mail.url);
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    for (const { label, width, colorScheme } of PASSES) {
      const context = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: 1, colorScheme });
      const page = await context.newPage();
      const shot: Shot = async (name) => {
        await page.screenshot({ path: path.join(OUT_DIR, `${name}-${label}.png`), fullPage: true });
      };
      // Each width signs in afresh, so both walks see the same pages.
      await walk(page, shot, server.issuer, server.redirectUri);
      await walkAccountMail(page, shot, { issuer: server.issuer, redirectUri: server.redirectUri, mail, pass: PASSES.findIndex((entry) => entry.label === label) });
      await context.close();
    }
    console.log(`screenshots written to ${OUT_DIR}`);
  } finally {
    await browser?.close();
    await server.close();
    await mail.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
