import * as oidc from 'openid-client';
import type { ClientDefinitionInput } from '../../src/clients/client-definition.js';
import { describeScopes } from '../../src/scopes/scope-catalog.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, completeInteractions, discover } from '../support/oidc-flow.js';

const FIRST_SECRET = 'first-party-secret-0123456789-0123456789-0123';
const THIRD_SECRET = 'third-party-secret-0123456789-0123456789-0123';
const SPA_ORIGIN = 'https://spa.example.com';
const user = { username: 'hopper', password: 'hopper-password-1' };

const clients: ClientDefinitionInput[] = [
  { clientId: 'first-web', name: 'Our portal', type: 'confidential', redirectUris: ['https://first.example.com/cb'], grantTypes: ['authorization_code'], scopes: ['openid', 'profile', 'email'], secretEnv: 'FIRST_SECRET', firstParty: true },
  { clientId: 'third-web', name: 'Partner app', type: 'confidential', redirectUris: ['https://third.example.com/cb'], grantTypes: ['authorization_code'], scopes: ['openid', 'profile', 'email'], secretEnv: 'THIRD_SECRET' },
  { clientId: 'spa', name: 'Single page app', type: 'public', redirectUris: [`${SPA_ORIGIN}/cb`], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'offline_access'] },
  { clientId: 'legacy', name: 'Legacy app', type: 'public', redirectUris: ['https://legacy.example.com/cb'], grantTypes: ['implicit'], responseTypes: ['id_token'], scopes: ['openid'], allowImplicit: true },
];

/** What pug does to text: the page shows descriptions escaped. */
const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

describe('client policies: consent, scope allow-lists, CORS and implicit', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('client_policies', { clients, env: { FIRST_SECRET, THIRD_SECRET } });
    await server.app.accounts.createUser(user);
  });
  afterAll(async () => { await server.close(); });

  /** authorize → login; returns where the flow went next (the client's redirect or a page). */
  async function loginThen(query: Record<string, string>) {
    const browser = new HttpBrowser(server.issuer);
    const page = await browser.follow(`/auth?${new URLSearchParams(query)}`);
    const login = readForm(await page.response.text(), /\/login$/);
    const next = await browser.follow(login.action, { form: { ...login.fields, ...user } });
    return { browser, next };
  }

  async function pkce(): Promise<{ verifier: string; challenge: Record<string, string> }> {
    const verifier = oidc.randomPKCECodeVerifier();
    return { verifier, challenge: { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' } };
  }

  it('skips the consent page for a first-party client', async () => {
    const { challenge } = await pkce();
    const { next } = await loginThen({ client_id: 'first-web', response_type: 'code', scope: 'openid profile email', redirect_uri: 'https://first.example.com/cb', state: 's1', ...challenge });
    const callback = new URL(next.url);
    expect(callback.origin).toBe('https://first.example.com');
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
    expect(callback.searchParams.get('state')).toBe('s1');
  });

  it('shows a third-party client the requested scopes with their descriptions', async () => {
    const { challenge } = await pkce();
    const { next } = await loginThen({ client_id: 'third-web', response_type: 'code', scope: 'openid profile email', redirect_uri: 'https://third.example.com/cb', ...challenge });
    expect(next.response.status).toBe(200);
    const html = await next.response.text();
    expect(html).toMatch(/action="[^"]*\/confirm"/);
    expect(html).toContain('Partner app');
    for (const scope of describeScopes(['openid', 'profile', 'email'])) expect(html).toContain(escapeHtml(scope.description));
  });

  it('answers invalid_scope when a client asks for a scope outside its allow-list', async () => {
    const { challenge } = await pkce();
    const query = new URLSearchParams({ client_id: 'spa', response_type: 'code', scope: 'openid email', redirect_uri: `${SPA_ORIGIN}/cb`, state: 's2', ...challenge });
    const response = await fetch(`${server.issuer}/auth?${query}`, { redirect: 'manual' });
    const location = new URL(response.headers.get('location')!);
    expect(location.origin).toBe(SPA_ORIGIN);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('state')).toBe('s2');
  });

  it('gives the SPA\'s origin CORS on the token endpoint, and refuses a foreign origin', async () => {
    const spa = await discover(server.issuer, 'spa', undefined, oidc.None());
    const { url, codeVerifier } = await buildAuthorization(spa, { redirect_uri: `${SPA_ORIGIN}/cb`, scope: 'openid profile', prompt: 'consent' });
    const browser = new HttpBrowser(server.issuer);
    const result = await completeInteractions(browser, await browser.follow(url.toString()), user);
    const code = result.url.searchParams.get('code')!;
    const exchange = (origin: string) => fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: `${SPA_ORIGIN}/cb`, code_verifier: codeVerifier }),
    });

    const foreign = await exchange('https://evil.example.net');
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(await foreign.json()).toMatchObject({ error: 'invalid_request' });

    const allowed = await exchange(SPA_ORIGIN);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    expect(await allowed.json()).toMatchObject({ token_type: expect.stringMatching(/bearer/i) });
  });

  it('refuses the implicit response type for a normal client', async () => {
    const query = new URLSearchParams({ client_id: 'spa', response_type: 'id_token', scope: 'openid', nonce: 'n1', redirect_uri: `${SPA_ORIGIN}/cb`, state: 's3' });
    const response = await fetch(`${server.issuer}/auth?${query}`, { redirect: 'manual' });
    expect(response.status).toBeLessThan(500);
    const location = response.headers.get('location');
    const callback = new URL(location!);
    expect(callback.origin).toBe(SPA_ORIGIN);
    // oidc-provider's code for a response type the client did not register
    // (RFC 6749 §4.1.2.1 would also allow unauthorized_client); no token is issued.
    const params = new URLSearchParams(callback.hash.slice(1));
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toBe('requested response_type is not allowed for this client');
    expect(params.get('id_token')).toBeNull();
  });

  it('allows the implicit response type for a code client with allowImplicit', async () => {
    const { browser, next } = await loginThen({ client_id: 'legacy', response_type: 'id_token', scope: 'openid', nonce: 'n2', redirect_uri: 'https://legacy.example.com/cb', state: 's4' });
    const result = await completeInteractions(browser, next, user);
    expect(result.url.origin).toBe('https://legacy.example.com');
    const fragment = new URLSearchParams(result.url.hash.slice(1));
    expect(fragment.get('id_token')).toMatch(/^ey/);
    expect(fragment.get('state')).toBe('s4');
  });
});
