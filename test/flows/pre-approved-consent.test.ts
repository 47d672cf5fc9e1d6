import * as oidc from 'openid-client';
import type { ClientDefinitionInput } from '../../src/clients/client-definition.js';
import { validateClientDefinitions } from '../../src/clients/sync-clients.js';
import { KNOWN_SCOPES } from '../../src/scopes/scope-catalog.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, discover } from '../support/oidc-flow.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Issue 16 item 12: skipping consent never changes what is granted. A
// first-party client gets offline_access and its refresh token without a
// consent screen (OpenID Connect Core §11 lets "other conditions" than
// prompt=consent permit offline access: an operator's approval is one); a
// client in code may list autoApproveScopes, which are never asked about.
const SECRET = 'pre-approved-secret-0123456789-0123456789-012';
const person = { username: 'pre-approved@example.com', password: 'pre approved password 1' };
const interactive: Pick<ClientDefinitionInput, 'type' | 'grantTypes' | 'secretEnv'> = {
  type: 'confidential', grantTypes: ['authorization_code', 'refresh_token'], secretEnv: 'PRE_APPROVED_SECRET',
};
const uri = (id: string) => `https://${id}.example.com/cb`;
const CLIENTS: ClientDefinitionInput[] = [
  { ...interactive, clientId: 'first-party', name: 'Our portal', redirectUris: [uri('first-party')], scopes: ['openid', 'profile', 'email', 'offline_access'], firstParty: true },
  { ...interactive, clientId: 'third-party', name: 'Partner app', redirectUris: [uri('third-party')], scopes: ['openid', 'profile', 'email', 'offline_access'] },
  { ...interactive, clientId: 'auto-profile', name: 'Directory', redirectUris: [uri('auto-profile')], scopes: ['openid', 'profile', 'email', 'offline_access'], autoApproveScopes: ['openid', 'profile'] },
  { ...interactive, clientId: 'auto-offline', name: 'Sync tool', redirectUris: [uri('auto-offline')], scopes: ['openid', 'offline_access'], autoApproveScopes: ['openid', 'offline_access'] },
];

interface Outcome { consentPages: string[]; tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers }

describe('pre-approved scopes: first-party clients and autoApproveScopes', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('pre_approved', { clients: CLIENTS, env: { PRE_APPROVED_SECRET: SECRET } });
    await server.app.accounts.createUser(person);
  });
  afterAll(async () => { await server.close(); });

  /**
   * An authorization code flow through the pages, the way a browser does it:
   * signs in when asked, allows when a consent page comes, and keeps every
   * consent page it saw.
   */
  async function authorize(clientId: string, scope: string, browser = new HttpBrowser(server.issuer), extra: Record<string, string> = {}, pushed = false): Promise<Outcome> {
    const config = await discover(server.issuer, clientId, SECRET);
    const built = await buildAuthorization(config, { redirect_uri: uri(clientId), scope, ...extra });
    const { codeVerifier, state } = built;
    // RFC 9126: the same parameters pushed first, the browser sent with only the request_uri.
    const url = pushed ? await oidc.buildAuthorizationUrlWithPAR(config, built.url.searchParams) : built.url;
    let { response, url: current } = await browser.follow(url.toString());
    const consentPages: string[] = [];
    for (let step = 0; step < 6 && new URL(current).origin === server.issuer; step += 1) {
      const html = await response.text();
      if (/action="[^"]*\/login"/.test(html)) {
        const form = readForm(html, /\/login$/);
        ({ response, url: current } = await browser.follow(form.action, { form: { ...form.fields, ...person } }));
      } else if (/action="[^"]*\/confirm"/.test(html)) {
        consentPages.push(html);
        const form = readForm(html, /\/confirm$/);
        ({ response, url: current } = await browser.follow(form.action, { form: form.fields }));
      } else {
        throw new Error(`unexpected page at ${current}: ${html.slice(0, 500)}`);
      }
    }
    const tokens = await oidc.authorizationCodeGrant(config, new URL(current), { pkceCodeVerifier: codeVerifier, expectedState: state });
    return { consentPages, tokens };
  }

  const scopesOf = (tokens: oidc.TokenEndpointResponse) => (tokens.scope ?? '').split(' ').sort();

  it('a first-party client gets offline_access and a refresh token without a consent screen or prompt=consent', async () => {
    const { consentPages, tokens } = await authorize('first-party', 'openid profile offline_access');
    expect(consentPages).toEqual([]);
    expect(scopesOf(tokens)).toEqual(['offline_access', 'openid', 'profile']);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const config = await discover(server.issuer, 'first-party', SECRET);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(scopesOf(refreshed)).toEqual(['offline_access', 'openid', 'profile']);
  });

  it('the same through a pushed authorization request (PAR)', async () => {
    const { consentPages, tokens } = await authorize('first-party', 'openid offline_access', undefined, {}, true);
    expect(consentPages).toEqual([]);
    expect(scopesOf(tokens)).toEqual(['offline_access', 'openid']);
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('an older grant without offline_access is topped up, not kept as it was', async () => {
    const browser = new HttpBrowser(server.issuer);
    const first = await authorize('first-party', 'openid profile', browser);
    expect(first.tokens.refresh_token).toBeUndefined();
    // The same session asks again, now for offline access.
    const second = await authorize('first-party', 'openid profile email offline_access', browser);
    expect(second.consentPages).toEqual([]);
    expect(scopesOf(second.tokens)).toEqual(['email', 'offline_access', 'openid', 'profile']);
    expect(second.tokens.refresh_token).toEqual(expect.any(String));
  });

  it('a third-party client still needs prompt=consent for offline access (Core §11)', async () => {
    const without = await authorize('third-party', 'openid profile offline_access');
    expect(without.consentPages).toHaveLength(1);
    expect(without.tokens.refresh_token).toBeUndefined();
    expect(scopesOf(without.tokens)).toEqual(['openid', 'profile']);
    const withConsent = await authorize('third-party', 'openid profile offline_access', undefined, { prompt: 'consent' });
    expect(withConsent.consentPages).toHaveLength(1);
    expect(withConsent.tokens.refresh_token).toEqual(expect.any(String));
  });

  it('autoApproveScopes: nothing else asked means no consent page', async () => {
    const { consentPages, tokens } = await authorize('auto-profile', 'openid profile');
    expect(consentPages).toEqual([]);
    expect(scopesOf(tokens)).toEqual(['openid', 'profile']);
  });

  it('autoApproveScopes: the consent page asks only for the other scopes, and grants both', async () => {
    const { consentPages, tokens } = await authorize('auto-profile', 'openid profile email');
    expect(consentPages).toHaveLength(1);
    const page = consentPages[0]!;
    const asked = page.slice(0, page.indexOf('Already allowed'));
    expect(asked).toContain('See your email address');
    expect(asked).not.toContain('See your name and username');
    expect(page.slice(page.indexOf('Already allowed'))).toContain('See your name and username');
    expect(scopesOf(tokens)).toEqual(['email', 'openid', 'profile']);
  });

  it('autoApproveScopes with offline_access: a refresh token without prompt=consent or a consent page', async () => {
    const { consentPages, tokens } = await authorize('auto-offline', 'openid offline_access');
    expect(consentPages).toEqual([]);
    expect(scopesOf(tokens)).toEqual(['offline_access', 'openid']);
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('refuses an auto-approved scope the client may not ask for, and registration cannot set one', async () => {
    expect(() => validateClientDefinitions([{ ...CLIENTS[3]!, autoApproveScopes: ['openid', 'email'] }], KNOWN_SCOPES, () => SECRET))
      .toThrow(/auto-approved scope "email" is not one of the client's scopes/);
    const registration = await startTestServer('pre_approved_reg', { env: { REGISTRATION_TOKEN: 'pre-approved-initial-token-0123456789-01234' } });
    try {
      const response = await fetch(`${registration.issuer}/reg`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer pre-approved-initial-token-0123456789-01234' },
        body: JSON.stringify({ redirect_uris: ['https://x.example.com/cb'], auto_approve_scopes: ['openid'] }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: 'auto_approve_scopes cannot be set through registration' });
    } finally {
      await registration.close();
    }
  });
});
