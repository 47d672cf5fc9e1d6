import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { createServerApp, type ServerApp } from '../../src/compose/create-server-app.js';
import { createLogger } from '../../src/observability/logger.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { completeInteractions } from '../support/oidc-flow.js';
import { addTestClient } from '../support/test-server.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';

// OpenID Connect Core §3.1.2.1 and RP-Initiated Logout §2: the OP MUST
// support POST at the authorization and end-session endpoints. Served behind
// a TLS-terminating proxy, as the SameSite=None session cookie needs https.
const ISSUER = 'https://login.example.test';
const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'login.example.test', 'x-forwarded-for': '198.51.100.7' };
const REDIRECT_URI = 'https://app.example.com/callback';
const LOGGED_OUT_URI = 'https://app.example.com/signed-out';
const CLIENT = { id: 'post-app', secret: 'post-app-secret-0123456789-0123456789-abcdef' };
const user = { username: 'ada@example.com', password: 'correct horse battery' };
// A fixed PKCE pair (RFC 7636 Appendix B).
const PKCE = { verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' };

function authorizationForm(extra: Record<string, string> = {}): Record<string, string> {
  return {
    client_id: CLIENT.id, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI,
    code_challenge: PKCE.challenge, code_challenge_method: 'S256', state: 'posted-state', nonce: 'posted-nonce', ...extra,
  };
}

describe('POST at the authorization and end-session endpoints (HTTP_POST_METHODS, on behind a TLS proxy)', () => {
  let stores: TestStores;
  let server: Server;
  let app: ServerApp;
  let listener: string;
  let browser: HttpBrowser;

  async function redeem(code: string): Promise<{ id_token: string }> {
    const response = await fetch(`${listener}/token`, {
      method: 'POST',
      headers: { ...FORWARDED, 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: PKCE.verifier }),
    });
    expect(response.status).toBe(200);
    return await response.json() as { id_token: string };
  }

  beforeAll(async () => {
    stores = await createTestStores('http_post_methods');
    server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    listener = `http://127.0.0.1:${port}`;
    // HTTP_POST_METHODS left unset: on by default here (https issuer, trusted proxy).
    const config = loadConfig({ ...stores.env, ISSUER, PORT: String(port), TRUST_PROXY: 'true' });
    app = await createServerApp({ config, database: stores.handle, redis: stores.redis, logger: createLogger({ level: 'warn' }) });
    server.on('request', app.callback());
    await app.accounts.createUser({ ...user, name: 'Ada', email: user.username });
    await addTestClient(stores, {
      client_id: CLIENT.id, client_secret: CLIENT.secret, redirect_uris: [REDIRECT_URI], post_logout_redirect_uris: [LOGGED_OUT_URI],
      grant_types: ['authorization_code'], response_types: ['code'],
    });
    browser = new HttpBrowser(listener, { origin: ISSUER, headers: FORWARDED });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => { server.close(() => resolve()); });
    await app.close();
    await stores.cleanup();
  });

  it('a form POST to /auth signs in and returns a code, with a session cookie that can travel cross-site', async () => {
    const started = await browser.follow(`${ISSUER}/auth`, { method: 'POST', form: authorizationForm() });
    const finished = await completeInteractions(browser, started, user);
    expect(finished.url.origin + finished.url.pathname).toBe(REDIRECT_URI);
    expect(finished.url.searchParams.get('state')).toBe('posted-state');
    const { id_token: idToken } = await redeem(finished.url.searchParams.get('code')!);
    expect(JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString())).toMatchObject({ iss: ISSUER, aud: CLIENT.id, nonce: 'posted-nonce' });

    // The session cookie must reach /auth on a relying party's cross-site form POST: SameSite=None, hence Secure.
    const session = await fetch(`${listener}/auth`, {
      method: 'POST', redirect: 'manual',
      headers: { ...FORWARDED, 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader('/auth') },
      body: new URLSearchParams(authorizationForm({ prompt: 'none', state: 'silent' })),
    });
    expect(session.status).toBe(303);
    const silent = new URL(session.headers.get('location')!);
    expect({ at: silent.origin + silent.pathname, state: silent.searchParams.get('state'), code: Boolean(silent.searchParams.get('code')) })
      .toEqual({ at: REDIRECT_URI, state: 'silent', code: true });
  });

  it('the session cookie is SameSite=None and Secure; the interaction cookies stay SameSite=Lax', async () => {
    const fresh = new HttpBrowser(listener, { origin: ISSUER, headers: FORWARDED });
    const started = await fresh.request(`${ISSUER}/auth`, { form: authorizationForm() });
    expect(started.status).toBe(303);
    const interaction = started.headers.getSetCookie().filter((cookie) => cookie.startsWith('_interaction'));
    expect(interaction.length).toBeGreaterThan(0);
    for (const cookie of interaction) expect(cookie.toLowerCase()).toContain('samesite=lax');
    const page = await fresh.request(started.headers.get('location')!);
    const form = readForm(await page.text(), /\/login$/);
    const login = await fresh.request(form.action, { form: { ...form.fields, ...user } });
    const resumed = await fresh.request(login.headers.get('location')!);
    const sessionCookies = resumed.headers.getSetCookie().filter((cookie) => cookie.startsWith('_session='));
    expect(sessionCookies.length).toBeGreaterThan(0);
    for (const cookie of sessionCookies) expect(cookie.toLowerCase()).toEqual(expect.stringContaining('samesite=none'));
    for (const cookie of sessionCookies) expect(cookie.toLowerCase()).toEqual(expect.stringContaining('; secure'));
  });

  it('a form POST to /session/end asks to sign out, then ends the session and returns to the relying party', async () => {
    const started = await browser.follow(`${ISSUER}/auth`, { method: 'POST', form: authorizationForm({ state: 'before-logout' }) });
    const code = (await completeInteractions(browser, started, user)).url.searchParams.get('code')!;
    const { id_token: idToken } = await redeem(code);

    const ask = await browser.follow(`${ISSUER}/session/end`, {
      method: 'POST', form: { id_token_hint: idToken, post_logout_redirect_uri: LOGGED_OUT_URI, state: 'bye' },
    });
    expect(ask.response.status).toBe(200);
    const confirm = readForm(await ask.response.text(), /\/session\/end\/confirm$/);
    const done = await browser.follow(confirm.action, { form: { ...confirm.fields, logout: 'yes' } });
    expect(done.url).toBe(`${LOGGED_OUT_URI}?state=bye`);

    // Signed out: a silent authorization now needs a login.
    const silent = await browser.request(`${ISSUER}/auth`, { form: authorizationForm({ prompt: 'none', state: 'after-logout' }) });
    expect(new URL(silent.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });

  it('is on by default where cookies are Secure, off elsewhere, and refuses to be turned on where they are not', () => {
    const setting = (env: Record<string, string>) => loadConfig({ ...stores.env, ...env }).protocol.httpPostMethods;
    expect(setting({ ISSUER, TRUST_PROXY: 'true' })).toBe(true);
    expect(setting({ ISSUER, TRUST_PROXY: 'true', HTTP_POST_METHODS: 'false' })).toBe(false);
    // https outside, plain HTTP inside, and the proxy's X-Forwarded-Proto ignored: no Secure cookie.
    expect(setting({ ISSUER })).toBe(false);
    expect(setting({ ISSUER: 'http://localhost:3000' })).toBe(false);
    for (const env of [{ ISSUER: 'http://localhost:3000', TRUST_PROXY: 'true' }, { ISSUER }]) {
      expect(() => loadConfig({ ...stores.env, ...env, HTTP_POST_METHODS: 'true' })).toThrow(ConfigError);
      expect(() => loadConfig({ ...stores.env, ...env, HTTP_POST_METHODS: 'true' })).toThrow(/HTTP_POST_METHODS: needs an https ISSUER served through a TLS-terminating proxy with TRUST_PROXY=true/);
    }
  });
});
