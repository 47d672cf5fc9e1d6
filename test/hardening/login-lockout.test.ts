import { createHash } from 'node:crypto';
import type * as oidc from 'openid-client';
import { lockSeconds } from '../../src/accounts/failure-lock.js';
import { createLimiter } from '../../src/redis/create-limiter.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, discover } from '../support/oidc-flow.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// Addresses are simulated with X-Forwarded-For (TRUST_PROXY=true), as in test/http/proxy-awareness.test.ts.
// No test waits for a lock to pass: a lock's end is its Redis key ending, which the tests check and then cause.
const REDIRECT_URI = 'https://lockout.example.com/cb';
const SECRET = 'lockout-client-secret-0123456789-0123456789';
const grace = { username: 'grace@example.com', password: 'correct horse battery staple' };

interface LoginSession { browser: HttpBrowser; form: { action: string; fields: Record<string, string> } }
interface Attempt { status: number; retryAfter: string | null; html: string; setCookies: string[] }

async function setUp(label: string, env: Record<string, string>): Promise<{ server: TestServer; config: oidc.Configuration }> {
  // A long request window, so no count can roll over while a slow machine runs the file.
  const server = await startTestServer(label, { env: { TRUST_PROXY: 'true', RATE_LIMIT_WINDOW_SECONDS: '3600', ...env } });
  await server.app.accounts.createUser(grace);
  await addTestClient(server.stores, { client_id: 'web', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], response_types: ['code'] });
  return { server, config: await discover(server.issuer, 'web', SECRET) };
}

/** Opens a fresh login form; pass a browser to keep its cookies (a returning browser). */
async function openLogin(server: TestServer, config: oidc.Configuration, browser = new HttpBrowser(server.issuer)): Promise<LoginSession> {
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
  return { status: response.status, retryAfter: response.headers.get('retry-after'), html, setCookies: response.headers.getSetCookie() };
}

/** The visible error text, without the echoed username. */
function errorText(html: string): string {
  return (/<p[^>]*class="[^"]*error[^"]*"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? /Invalid username or password[^<]*/.exec(html)?.[0] ?? '').trim();
}

/** The lock limiter of one scope, to read a lock's remaining life and to end it as its expiry would. */
function lockLimiter(server: TestServer, scope: 'account_ip' | 'ip' | 'account') {
  return createLimiter(server.stores.redis, { keyPrefix: `${server.stores.config.redis.keyPrefix}login:lock:${scope}`, points: 1, durationSeconds: 3600 });
}

async function lockKeys(server: TestServer, scope: string): Promise<string[]> {
  return server.stores.redis!.keys(`${server.stores.config.redis.keyPrefix}login:lock:${scope}:*`);
}

describe('login throttle per account and address', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  beforeAll(async () => {
    ({ server, config } = await setUp('login_lockout', { LOGIN_LOCKOUT_THRESHOLD: '3' }));
    await server.app.accounts.createUser({ username: 'second@example.com', password: 'another long password' });
  });
  afterAll(async () => { await server.close(); });

  async function failThreeTimes(username: string, ip: string, password: string): Promise<Attempt[]> {
    const session = await openLogin(server, config);
    const attempts = [];
    for (let i = 0; i < 3; i += 1) attempts.push(await submit(session, username, 'wrong password!', ip));
    attempts.push(await submit(session, username, password, ip));
    return attempts;
  }

  it('throttles the attacker\'s address for that account: 429 with Retry-After, even for the right password', async () => {
    const attempts = await failThreeTimes(grace.username, '192.0.2.10', grace.password);
    expect(attempts.map((attempt) => attempt.status)).toEqual([401, 401, 429, 429]);
    expect(Number(attempts[2].retryAfter)).toBeGreaterThan(0);
    expect(attempts[3].html).toMatch(/Invalid username or password\. Too many attempts: try again in \d+ seconds?\./);
    expect(attempts[3].html).toContain('action="'); // still the readable login page
  });

  it('lets the owner sign in from another address meanwhile', async () => {
    const attempt = await submit(await openLogin(server, config), grace.username, grace.password, '192.0.2.20');
    expect(attempt.status).toBe(303);
  });

  it('keeps no username in the counters', async () => {
    const keys = await server.stores.redis!.keys(`${server.stores.config.redis.keyPrefix}login:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join('\n')).not.toMatch(/grace|example\.com/);
  });

  it('treats an unknown username exactly the same (a lock reveals nothing)', async () => {
    const known = await failThreeTimes('second@example.com', '192.0.2.11', 'another long password');
    const unknown = await failThreeTimes('nobody-here@example.com', '192.0.2.12', 'whatever it is');
    expect(unknown.map((attempt) => attempt.status)).toEqual(known.map((attempt) => attempt.status));
    expect(unknown.map((attempt) => errorText(attempt.html))).toEqual(known.map((attempt) => errorText(attempt.html)));
  });

  it('lets the attacker\'s address in once the lock has ended, and forgets that pair\'s failures after a success', async () => {
    // The lock is a Redis key (named by a hash of the name, never the name) that
    // ends by itself no later than the Retry-After it announced…
    const pair = `${createHash('sha256').update(grace.username).digest('base64url')}:192.0.2.10`;
    const refused = await submit(await openLogin(server, config), grace.username, grace.password, '192.0.2.10');
    expect(refused.status).toBe(429);
    const ttl = await server.stores.redis!.pttl(`${server.stores.config.redis.keyPrefix}login:lock:account_ip:${pair}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(Number(refused.retryAfter) * 1000);
    // …so ending it now is what its expiry does.
    expect(await lockLimiter(server, 'account_ip').delete(pair)).toBe(true);

    const session = await openLogin(server, config);
    expect((await submit(session, grace.username, grace.password, '192.0.2.10')).status).toBe(303);
    const again = await openLogin(server, config);
    expect((await submit(again, grace.username, 'wrong password!', '192.0.2.10')).status).toBe(401);
  });

  it('records failures, the lock and the success in the audit trail without the typed password or username', async () => {
    const rows = await server.stores.handle.db.selectFrom('audit_events').selectAll().where('event', 'like', 'login.%').execute();
    const events = new Set(rows.map((row) => row.event));
    expect(events).toEqual(new Set(['login.failure', 'login.locked', 'login.success']));
    const account = await server.app.accounts.findUserByUsername(grace.username);
    const successes = rows.filter((row) => row.event === 'login.success');
    expect(successes).toEqual(expect.arrayContaining([expect.objectContaining({ actor: account!.id, client_id: 'web', ip: '192.0.2.20' })]));
    expect(rows.find((row) => row.event === 'login.locked')?.details).toMatchObject({ scope: 'account_ip' });
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain('wrong password!');
    expect(dump).not.toContain(grace.password);
    expect(dump).not.toContain('nobody-here@example.com');
  });

  it('doubles the lock for each further failure, up to the maximum', () => {
    expect([1, 2, 3, 4].map((n) => lockSeconds(n, 30, 3600))).toEqual([30, 60, 120, 240]);
    expect(lockSeconds(20, 30, 3600)).toBe(3600);
  });
});

describe('guessing spread over many addresses: the account lock spares browsers the owner signed in from', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  let ownBrowser: HttpBrowser;
  const ada = { username: 'ada@example.com', password: 'analytical engine number one' };

  beforeAll(async () => {
    ({ server, config } = await setUp('login_lockout_account', { LOGIN_LOCKOUT_THRESHOLD: '3', LOGIN_LOCKOUT_ACCOUNT_THRESHOLD: '4' }));
    await server.app.accounts.createUser(ada);
    ownBrowser = new HttpBrowser(server.issuer);
  });
  afterAll(async () => { await server.close(); });

  /** One wrong guess from each of `count` addresses, none reaching the per-pair threshold. */
  async function spreadGuesses(username: string, count: number, subnet: string): Promise<number[]> {
    const statuses = [];
    for (let i = 1; i <= count; i += 1) statuses.push((await submit(await openLogin(server, config), username, 'guess!', `${subnet}.${i}`)).status);
    return statuses;
  }

  it('marks the browser at a successful sign-in with a signed, HttpOnly cookie', async () => {
    const signIn = await submit(await openLogin(server, config, ownBrowser), grace.username, grace.password, '203.0.113.5');
    expect(signIn.status).toBe(303);
    const cookie = signIn.setCookies.find((header) => header.startsWith('op.known='));
    expect(cookie).toMatch(/httponly/i);
    expect(cookie).toMatch(/samesite=lax/i);
    expect(cookie).toMatch(/path=\/interaction/i);
    expect(cookie).toMatch(/expires=/i);
    expect(cookie).not.toContain((await server.app.accounts.findUserByUsername(grace.username))!.id);
    expect(signIn.setCookies.some((header) => header.startsWith('op.known.sig='))).toBe(true);
  });

  it('locks the account for unknown browsers once enough addresses have failed', async () => {
    expect(await spreadGuesses(grace.username, 4, '198.51.100')).toEqual([401, 401, 401, 429]);
    expect(await lockKeys(server, 'account')).toHaveLength(1);
    // Another address in a browser that never signed in to this account: refused, right password or not.
    const stranger = await submit(await openLogin(server, config), grace.username, grace.password, '203.0.113.77');
    expect(stranger.status).toBe(429);
    expect(Number(stranger.retryAfter)).toBeGreaterThan(0);
  });

  it('lets the owner in from the browser they signed in from before, from any address', async () => {
    const attempt = await submit(await openLogin(server, config, ownBrowser), grace.username, grace.password, '203.0.113.99');
    expect(attempt.status).toBe(303);
    // The lock still holds for everyone else.
    expect((await submit(await openLogin(server, config), grace.username, grace.password, '203.0.113.78')).status).toBe(429);
  });

  it('does not exempt that browser from another account\'s lock', async () => {
    expect(await spreadGuesses(ada.username, 4, '198.51.101')).toEqual([401, 401, 401, 429]);
    const attempt = await submit(await openLogin(server, config, ownBrowser), ada.username, ada.password, '203.0.113.99');
    expect(attempt.status).toBe(429);
  });

  it('keeps the known browser behind the locks of its own address', async () => {
    // Three failures from the owner's browser at one address lock that pair, known browser or not.
    const session = await openLogin(server, config, ownBrowser);
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await submit(session, grace.username, 'typo!', '203.0.113.120')).status);
    statuses.push((await submit(session, grace.username, grace.password, '203.0.113.120')).status);
    expect(statuses).toEqual([401, 401, 429, 429]);
  });
});

describe('login lockout and request limit per address', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  beforeAll(async () => {
    ({ server, config } = await setUp('login_lockout_ip', { LOGIN_LOCKOUT_IP_THRESHOLD: '4', LOGIN_LOCKOUT_THRESHOLD: '100', RATE_LIMIT_LOGIN_PER_IP: '8' }));
  });
  afterAll(async () => { await server.close(); });

  it('locks an address that fails with many different usernames, but not other addresses', async () => {
    const session = await openLogin(server, config);
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await submit(session, `spray-${i}@example.com`, 'guess', '192.0.2.50')).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect((await submit(session, 'spray-9@example.com', 'guess', '192.0.2.51')).status).toBe(401);
  });

  it('answers too many login posts from one address with a readable 429 page', async () => {
    // Successful sign-ins are no failures, but every post with a password counts against the request limit (8).
    const results = [];
    for (let i = 0; i < 9; i += 1) results.push(await submit(await openLogin(server, config), grace.username, grace.password, '192.0.2.60'));
    expect(results.slice(0, 8).map((result) => result.status)).toEqual(Array(8).fill(303));
    expect(results[8].status).toBe(429);
    expect(results[8].retryAfter).toMatch(/^\d+$/);
    expect(results[8].html).toMatch(/<html/i);
    expect(results[8].html).toMatch(/Too many attempts/);
  });
});
