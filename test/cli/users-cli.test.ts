import { jest } from '@jest/globals';
import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, completeInteractions, discover } from '../support/oidc-flow.js';
import { runCli } from '../support/run-cli.js';

const REDIRECT_URI = 'https://cli-users.example.com/cb';
const CLIENT_SECRET = 'cli-users-client-secret-0123456789-0123456789';
const PASSWORD = 'alice-first-password-1';
const NEW_PASSWORD = 'alice-second-password-2';

// Every CLI call is a real process (tsx compiles on start): slow on a loaded machine.

describe('users CLI, driven as a real process against the server\'s database', () => {
  let server: TestServer;
  let config: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer('cli_users');
    await addTestClient(server.stores, {
      client_id: 'cli-users-app', client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    });
    config = await discover(server.issuer, 'cli-users-app', CLIENT_SECRET);
  });
  afterAll(async () => { await server.close(); });

  const cli = (args: string[], input?: string) => runCli(server.stores, args, input);

  /** Signs in over HTTP; the tokens, or undefined when the login page refused the credentials. */
  async function signIn(username: string, password: string, scope = 'openid offline_access') {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope, prompt: 'consent' });
    const browser = new HttpBrowser(server.issuer);
    const page = await browser.follow(url.toString());
    const login = readForm(await page.response.text(), /\/login$/);
    const afterLogin = await browser.follow(login.action, { form: { ...login.fields, username, password } });
    if (afterLogin.response.status === 401) {
      expect(await afterLogin.response.text()).toContain('Invalid username or password');
      return undefined;
    }
    const result = await completeInteractions(browser, afterLogin, { username, password });
    expect(result.html).toBeUndefined();
    return oidc.authorizationCodeGrant(config, result.url, { pkceCodeVerifier: codeVerifier, expectedState: state });
  }

  it('creates a user from a password on stdin, without echoing it, and the user can sign in over HTTP', async () => {
    const created = await cli(['users', 'create', '--username', 'alice', '--name', 'Alice', '--role', 'staff', '--password-stdin'], `${PASSWORD}\n`);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/^created user alice \([0-9a-f-]{36}\) with role staff\n$/);
    expect(created.stdout + created.stderr).not.toContain(PASSWORD);

    const row = await server.stores.handle.db.selectFrom('users').selectAll().where('username', '=', 'alice').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$2[aby]\$04\$/);
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    expect(row.last_login_at).toBeNull();

    const tokens = await signIn('alice', PASSWORD);
    expect(tokens?.access_token).toEqual(expect.any(String));
    const after = await server.stores.handle.db.selectFrom('users').select('last_login_at').where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(after.last_login_at).toBeInstanceOf(Date);
  });

  it('refuses a duplicate username, a short password and an unknown role with exit code 1 and one line', async () => {
    for (const [args, input, message] of [
      [['users', 'create', '--username', 'ALICE', '--password-stdin'], `${PASSWORD}\n`, /^error: A user named "ALICE" already exists\n$/],
      [['users', 'create', '--username', 'bob', '--password-stdin'], 'short\n', /^error: Invalid account details: password: must be at least 8 characters\n$/],
      [['users', 'create', '--username', 'bob', '--role', 'root', '--password-stdin'], `${PASSWORD}\n`, /^error: --role must be one of user, staff, superuser\n$/],
    ] as const) {
      const result = await cli([...args], input);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
  });

  it('lists and shows users, with the last login recorded', async () => {
    const list = await cli(['users', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\tUSERNAME\tROLE\tSTATUS\n[0-9a-f-]{36}\talice\tstaff\tactive\n$/);
    const show = await cli(['users', 'show', 'Alice']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('username: alice\n');
    expect(show.stdout).toContain('name: Alice\n');
    expect(show.stdout).toMatch(/last login: \d{4}-\d\d-\d\dT/);
    expect(show.stdout).not.toMatch(/\$2[aby]\$/);
  });

  it('sets standard claims (OpenID Connect Core §5.1) with users update, which apps then receive by scope', async () => {
    const updated = await cli([
      'users', 'update', 'alice', '--given-name', 'Alice', '--family-name', 'Liddell', '--picture', 'https://img.example.com/alice.png',
      '--birthdate', '1852-05-04', '--zoneinfo', 'Europe/London', '--locale', 'en-GB', '--email', 'alice@example.com', '--email-verified', 'true',
      '--phone-number', '+44 1865 270000', '--phone-number-verified', 'true', '--locality', 'Oxford', '--country', 'United Kingdom',
    ]);
    expect(updated).toMatchObject({ code: 0, stderr: '' });
    expect(updated.stdout).toContain('given_name: Alice\n');
    expect(updated.stdout).toContain('email: alice@example.com (verified)\n');
    expect(updated.stdout).toContain('address: {"locality":"Oxford","country":"United Kingdom"}\n');

    const tokens = (await signIn('alice', PASSWORD, 'openid profile email phone address'))!;
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({
      given_name: 'Alice', family_name: 'Liddell', picture: 'https://img.example.com/alice.png', birthdate: '1852-05-04',
      zoneinfo: 'Europe/London', locale: 'en-GB', email: 'alice@example.com', email_verified: true,
      phone_number: '+441865270000', phone_number_verified: true, address: { locality: 'Oxford', country: 'United Kingdom' },
    });
    const narrow = (await signIn('alice', PASSWORD, 'openid email'))!;
    expect(await oidc.fetchUserInfo(config, narrow.access_token, narrow.claims()!.sub))
      .toEqual({ sub: tokens.claims()!.sub, email: 'alice@example.com', email_verified: true });

    // An empty value removes a claim; a bad value changes nothing and says why, on one line.
    expect(await cli(['users', 'update', 'alice', '--picture', '', '--locality', ''])).toMatchObject({ code: 0 });
    const refused = await cli(['users', 'update', 'alice', '--given-name', 'Alicia', '--birthdate', 'May 4th', '--website', 'ftp://x.example']);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe('error: Invalid account details: website: must be an http or https URL; birthdate: must be YYYY or YYYY-MM-DD\n');
    expect(await cli(['users', 'update', 'alice', '--email-verified', 'yes'])).toMatchObject({ code: 1, stderr: 'error: --email-verified must be true or false\n' });
    const show = await cli(['users', 'show', 'alice']);
    expect(show.stdout).toContain('given_name: Alice\n');
    expect(show.stdout).not.toContain('picture:');
    expect(show.stdout).toContain('address: {"country":"United Kingdom"}\n');
  });

  it('sets a new password from stdin: the old one stops working, the new one works', async () => {
    const result = await cli(['users', 'set-password', 'alice', '--password-stdin'], `${NEW_PASSWORD}\n`);
    expect(result).toMatchObject({ code: 0, stdout: 'password changed for alice\n' });
    expect(result.stdout + result.stderr).not.toContain(NEW_PASSWORD);
    expect(await signIn('alice', PASSWORD)).toBeUndefined();
    expect(await signIn('alice', NEW_PASSWORD)).toBeDefined();
  });

  it('sets the role; roles do not change what a user may sign in to today', async () => {
    expect(await cli(['users', 'set-role', 'alice', 'superuser'])).toMatchObject({ code: 0, stdout: 'alice now has role superuser\n' });
    const row = await server.stores.handle.db.selectFrom('users').select('role').where('username', '=', 'alice').executeTakeFirstOrThrow();
    expect(row.role).toBe('superuser');
    expect(await signIn('alice', NEW_PASSWORD)).toBeDefined();
    expect(await cli(['users', 'set-role', 'alice', 'god'])).toMatchObject({ code: 1, stderr: 'error: role must be one of user, staff, superuser\n' });
  });

  it('disable revokes at once: introspection inactive, userinfo refused, refresh refused, login refused', async () => {
    const tokens = (await signIn('alice', NEW_PASSWORD))!;
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);

    expect(await cli(['users', 'disable', 'alice'])).toMatchObject({ code: 0 });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    const userinfo = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(401);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await signIn('alice', NEW_PASSWORD)).toBeUndefined();

    // Enabling again lets the person sign in, but what was revoked stays revoked.
    expect(await cli(['users', 'enable', 'alice'])).toMatchObject({ code: 0, stdout: 'enabled alice\n' });
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await signIn('alice', NEW_PASSWORD)).toBeDefined();
  });

  it('deletes a user; unknown users get exit code 1 and one line', async () => {
    const tokens = (await signIn('alice', NEW_PASSWORD))!;
    const deleted = await cli(['users', 'delete', 'alice']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/^deleted user alice \(/);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    for (const args of [['users', 'show', 'alice'], ['users', 'disable', 'nobody'], ['users', 'set-password', 'nobody', '--password-stdin']]) {
      const result = await cli(args, `${PASSWORD}\n`);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: No such user: "(alice|nobody)"\n$/);
    }
  });
});
