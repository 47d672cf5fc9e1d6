import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { createDb } from '../../src/db/create-db.js';
import { loadConfig } from '../../src/config/load-config.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, completeInteractions, discover, signInAndConsent } from '../support/oidc-flow.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/test-env.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { createTestStores } from '../support/test-stores.js';

const REDIRECT_URI = 'https://outage.example.com/cb';
const SECRET = 'outage-client-secret-0123456789-0123456789-0';
const user = { username: 'outage@example.com', password: 'outage password 123' };
const FORM = 'application/x-www-form-urlencoded';

/** Polls until `check` passes; bounded in count and time. */
async function eventually(check: () => Promise<boolean>, attempts = 100, delayMs = 100): Promise<boolean> {
  for (let i = 0; i < attempts; i += 1) {
    if (await check().catch(() => false)) return true;
    await new Promise((resolve) => { setTimeout(resolve, delayMs); });
  }
  return false;
}

describe('Postgres and Redis outages', () => {
  const pgUrl = new URL(TEST_DATABASE_URL);
  const redisUrl = new URL(TEST_REDIS_URL);
  const pgProxy = new TcpProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
  const redisProxy = new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
  let server: TestServer;
  let config: oidc.Configuration;
  let refreshToken: string;

  beforeAll(async () => {
    await Promise.all([pgProxy.start(), redisProxy.start()]);
    const viaPg = new URL(TEST_DATABASE_URL);
    viaPg.port = String(pgProxy.port);
    const viaRedis = new URL(TEST_REDIS_URL);
    viaRedis.port = String(redisProxy.port);
    const stores = await createTestStores('store_outage', 'postgres+redis', { DATABASE_URL: viaPg.toString(), REDIS_URL: viaRedis.toString() });
    server = await startTestServer('store_outage', { stores });
    await server.app.accounts.createUser(user);
    await addTestClient(stores, {
      client_id: 'web', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'], response_types: ['code'],
    });
    config = await discover(server.issuer, 'web', SECRET);
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    refreshToken = (await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state })).refresh_token!;
  });
  afterAll(async () => {
    await Promise.all([pgProxy.start().catch(() => undefined), redisProxy.start().catch(() => undefined)]);
    await server.close();
    await Promise.all([pgProxy.stop(), redisProxy.stop()]);
  });

  const readyz = async () => (await fetch(`${server.issuer}/readyz`)).status;
  const basic = `Basic ${Buffer.from(`web:${SECRET}`).toString('base64')}`;
  async function deviceAuthorization() {
    const response = await fetch(`${server.issuer}/device/auth`, { method: 'POST', headers: { 'content-type': FORM, authorization: basic }, body: 'scope=openid' });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
  }
  async function refresh() {
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST', headers: { 'content-type': FORM, authorization: basic }, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(refreshToken)}`,
    });
    const body = await response.text();
    if (response.status === 200) refreshToken = (JSON.parse(body) as { refresh_token: string }).refresh_token;
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
  }
  function expectUnavailable(result: { status: number; retryAfter: string | null; body: string }) {
    expect(result.status).toBe(503);
    expect(result.retryAfter).toMatch(/^\d+$/);
    expect(JSON.parse(result.body)).toMatchObject({ error: 'temporarily_unavailable' });
    expect(result.body).not.toMatch(/\bat .*:\d+:\d+|stack/);
  }

  it('answers 503 temporarily_unavailable while Redis is down, and recovers by itself', async () => {
    await redisProxy.stop();
    expectUnavailable(await deviceAuthorization());
    const page = await fetch(`${server.issuer}/auth?${new URLSearchParams({ client_id: 'web', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' })}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/Temporarily unavailable/);
    expect(await readyz()).toBe(503);
    // Refresh tokens live in Postgres: refreshing keeps working during a Redis outage.
    expect((await refresh()).status).toBe(200);

    await redisProxy.start();
    expect(await eventually(async () => (await readyz()) === 200)).toBe(true);
    expect((await deviceAuthorization()).status).toBe(200);
  });

  it('lets a sign-in interrupted by a Redis outage continue once Redis is back', async () => {
    const browser = new HttpBrowser(server.issuer);
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, prompt: 'consent' });
    const start = await browser.follow(url.toString());
    const form = readForm(await start.response.text(), /\/login$/);
    await redisProxy.stop();
    const during = await browser.request(form.action, { form: { ...form.fields, ...user } });
    expect(during.status).toBe(503);
    expect(await during.text()).toMatch(/Temporarily unavailable/);
    await redisProxy.start();
    expect(await eventually(async () => (await readyz()) === 200)).toBe(true);
    const resumed = await browser.follow(form.action, { form: { ...form.fields, ...user } });
    const done = await completeInteractions(browser, resumed, user);
    const tokens = await oidc.authorizationCodeGrant(config, done.url, { pkceCodeVerifier: codeVerifier, expectedState: state });
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it('survives the server\'s Postgres connections being terminated (pg_terminate_backend)', async () => {
    expect((await refresh()).status).toBe(200); // the pool holds live connections now
    const admin = await createDb(loadConfig({ DATABASE_URL: TEST_DATABASE_URL, NODE_ENV: 'test' }));
    try {
      const ports = [...pgProxy.upstreamPorts];
      const killed = await sql<{ pid: number }>`select pg_terminate_backend(pid) as pid from pg_stat_activity where client_port = any(${ports}::int[]) and pid <> pg_backend_pid()`.execute(admin.db);
      expect(killed.rows.length).toBeGreaterThan(0);
    } finally {
      await admin.close();
    }
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await refresh()).status);
    // A request that met a dead pooled connection may get 503; never a 500, and the next ones work.
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    expect(statuses.at(-1)).toBe(200);
  });

  it('answers 503 while Postgres is unreachable, recovers, and loses no refresh token', async () => {
    await pgProxy.stop();
    expectUnavailable(await refresh());
    const page = await fetch(`${server.issuer}/auth?${new URLSearchParams({ client_id: 'web', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' })}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(503);
    expect(await readyz()).toBe(503);

    await pgProxy.start();
    expect(await eventually(async () => (await readyz()) === 200)).toBe(true);
    // The refresh token held before the outage still works: nothing was consumed by the failed attempts.
    const after = await refresh();
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String) });
  });
});
