import type * as oidc from 'openid-client';
import { lockSeconds } from '../../src/accounts/login-throttle.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, discover } from '../support/oidc-flow.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

const REDIRECT_URI = 'https://lockout.example.com/cb';
const SECRET = 'lockout-client-secret-0123456789-0123456789';
const user = { username: 'grace@example.com', password: 'correct horse battery staple' };

interface LoginSession { browser: HttpBrowser; form: { action: string; fields: Record<string, string> } }
interface Attempt { status: number; retryAfter: string | null; html: string; location: string | null }

async function setUp(label: string, env: Record<string, string>): Promise<{ server: TestServer; config: oidc.Configuration }> {
  const server = await startTestServer(label, { env: { TRUST_PROXY: 'true', ...env } });
  await server.app.accounts.createUser(user);
  await addTestClient(server.stores, { client_id: 'web', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], response_types: ['code'] });
  return { server, config: await discover(server.issuer, 'web', SECRET) };
}

async function openLogin(server: TestServer, config: oidc.Configuration): Promise<LoginSession> {
  const browser = new HttpBrowser(server.issuer);
  const { url } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI });
  const { response } = await browser.follow(url.toString());
  return { browser, form: readForm(await response.text(), /\/login$/) };
}

async function submit(session: LoginSession, username: string, password: string, ip: string): Promise<Attempt> {
  const response = await session.browser.request(session.form.action, {
    form: { ...session.form.fields, username, password }, headers: { 'x-forwarded-for': ip },
  });
  const html = await response.text();
  if (/action="[^"]*\/login"/.test(html)) session.form = readForm(html, /\/login$/);
  return { status: response.status, retryAfter: response.headers.get('retry-after'), html, location: response.headers.get('location') };
}

/** The visible error text, without the echoed username. */
function errorText(html: string): string {
  return (/<p[^>]*class="[^"]*error[^"]*"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? /Invalid username or password[^<]*/.exec(html)?.[0] ?? '').trim();
}

describe('login lockout per account', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  beforeAll(async () => {
    ({ server, config } = await setUp('login_lockout', { LOGIN_LOCKOUT_THRESHOLD: '3', LOGIN_LOCKOUT_BASE_SECONDS: '1', LOGIN_LOCKOUT_MAX_SECONDS: '60' }));
    await server.app.accounts.createUser({ username: 'second@example.com', password: 'another long password' });
  });
  afterAll(async () => { await server.close(); });

  async function failThreeTimes(username: string, ip: string): Promise<Attempt[]> {
    const session = await openLogin(server, config);
    const attempts = [];
    for (let i = 0; i < 3; i += 1) attempts.push(await submit(session, username, 'wrong password!', ip));
    attempts.push(await submit(session, username, user.password, ip));
    return attempts;
  }

  it('locks after the threshold with a generic 429 and Retry-After, even for the right password', async () => {
    const attempts = await failThreeTimes(user.username, '192.0.2.10');
    expect(attempts.map((attempt) => attempt.status)).toEqual([401, 401, 429, 429]);
    expect(Number(attempts[2].retryAfter)).toBeGreaterThan(0);
    expect(attempts[3].html).toMatch(/Invalid username or password\. Too many attempts: try again in \d+ seconds?\./);
    expect(attempts[3].html).toContain('action="'); // still the readable login page
  });

  it('treats an unknown username exactly the same (a lock reveals nothing)', async () => {
    const known = await failThreeTimes('second@example.com', '192.0.2.11');
    const unknown = await failThreeTimes('nobody-here@example.com', '192.0.2.12');
    expect(unknown.map((attempt) => attempt.status)).toEqual(known.map((attempt) => attempt.status));
    expect(unknown.map((attempt) => errorText(attempt.html))).toEqual(known.map((attempt) => errorText(attempt.html)));
  });

  it('lets the person in once the lock has passed, and forgets the failures after a success', async () => {
    // The previous tests locked this account for 1 s (base); the next failure would lock for 2 s.
    await new Promise((resolve) => { setTimeout(resolve, 2100); });
    const session = await openLogin(server, config);
    const success = await submit(session, user.username, user.password, '192.0.2.13');
    expect(success.status).toBe(303);
    const again = await openLogin(server, config);
    expect((await submit(again, user.username, 'wrong password!', '192.0.2.13')).status).toBe(401);
  });

  it('records failures, the lock and the success in the audit trail without the typed password or username', async () => {
    const rows = await server.stores.handle.db.selectFrom('audit_events').selectAll().where('event', 'like', 'login.%').execute();
    const events = new Set(rows.map((row) => row.event));
    expect(events).toEqual(new Set(['login.failure', 'login.locked', 'login.success']));
    const account = await server.app.accounts.findUserByUsername(user.username);
    expect(rows.find((row) => row.event === 'login.success')).toMatchObject({ actor: account!.id, client_id: 'web', ip: '192.0.2.13' });
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain('wrong password!');
    expect(dump).not.toContain(user.password);
    expect(dump).not.toContain('nobody-here@example.com');
  });

  it('doubles the lock for each further failure, up to the maximum', () => {
    expect([1, 2, 3, 4].map((n) => lockSeconds(n, 30, 3600))).toEqual([30, 60, 120, 240]);
    expect(lockSeconds(20, 30, 3600)).toBe(3600);
  });
});

describe('login lockout and request limit per IP', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  beforeAll(async () => {
    ({ server, config } = await setUp('login_lockout_ip', { LOGIN_LOCKOUT_IP_THRESHOLD: '4', LOGIN_LOCKOUT_THRESHOLD: '100', RATE_LIMIT_LOGIN_PER_IP: '8' }));
  });
  afterAll(async () => { await server.close(); });

  it('locks an IP that fails with many different usernames, but not other IPs', async () => {
    const session = await openLogin(server, config);
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await submit(session, `spray-${i}@example.com`, 'guess', '192.0.2.50')).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect((await submit(session, 'spray-9@example.com', 'guess', '192.0.2.51')).status).toBe(401);
  });

  it('answers too many login posts from one IP with a readable 429 page', async () => {
    // Successful sign-ins are no failures, but every post with a password counts against the request limit (8).
    const results = [];
    for (let i = 0; i < 9; i += 1) results.push(await submit(await openLogin(server, config), user.username, user.password, '192.0.2.60'));
    expect(results.slice(0, 8).map((result) => result.status)).toEqual(Array(8).fill(303));
    expect(results[8].status).toBe(429);
    expect(results[8].retryAfter).toMatch(/^\d+$/);
    expect(results[8].html).toMatch(/<html/i);
    expect(results[8].html).toMatch(/Too many attempts/);
  });
});
