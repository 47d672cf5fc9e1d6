import * as oidc from 'openid-client';
import { createAccountAppsService } from '../../src/clients/account-apps-service.js';
import { resolveResourceServers } from '../../src/scopes/resource-server-definition.js';
import { KNOWN_SCOPES } from '../../src/scopes/scope-catalog.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// Issue 16 item 11, RFC 7662 §4: the server decides which protected resources
// may learn about which tokens. A client introspects its own tokens; the
// clients an API names in introspectingClients introspect tokens meant for
// that API; everyone else learns {"active": false}.
const REDIRECT_URI = 'https://entitled.example.com/cb';
const APP_SECRET = 'entitled-app-secret-0123456789-0123456789-01';
const GATEWAY_SECRET = 'entitled-gateway-secret-0123456789-01234567';
const OTHER_SECRET = 'entitled-other-secret-0123456789-0123456789';
const BILLING = 'https://billing.example.com/api';
const REPORTS = 'https://reports.example.com/api';
const REGISTRATION_TOKEN = 'entitled-initial-access-token-0123456789-0123';
const person = { username: 'entitled@example.com', password: 'entitled password 1' };

describe('introspection answers only those entitled to the answer', () => {
  let server: TestServer;
  let app: oidc.Configuration;
  let gateway: oidc.Configuration;
  let reportsGateway: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer('introspection_entitlement', {
      env: { REGISTRATION_TOKEN },
      resourceServers: [
        { identifier: BILLING, name: 'Billing', scopes: [{ name: 'invoices:read', description: 'See your invoices' }], accessTokenFormat: 'opaque', introspectingClients: ['billing-gateway'] },
        { identifier: REPORTS, name: 'Reports', scopes: [{ name: 'reports:read', description: 'Read your reports' }], accessTokenFormat: 'opaque', introspectingClients: ['reports-gateway'] },
      ],
    });
    await server.app.accounts.createUser(person);
    await addTestClient(server.stores, {
      client_id: 'entitled-app', client_secret: APP_SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], response_types: ['code'],
    });
    for (const [clientId, secret] of [['billing-gateway', GATEWAY_SECRET], ['reports-gateway', OTHER_SECRET]]) {
      await addTestClient(server.stores, { client_id: clientId!, client_secret: secret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    }
    app = await discover(server.issuer, 'entitled-app', APP_SECRET);
    gateway = await discover(server.issuer, 'billing-gateway', GATEWAY_SECRET);
    reportsGateway = await discover(server.issuer, 'reports-gateway', OTHER_SECRET);
  });
  afterAll(async () => { await server.close(); });

  async function signIn(resource?: string) {
    const extra: Record<string, string> = resource ? { resource, scope: 'openid invoices:read offline_access' } : { scope: 'openid offline_access' };
    const { url, codeVerifier, state } = await buildAuthorization(app, { redirect_uri: REDIRECT_URI, prompt: 'consent', ...extra });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, person);
    return oidc.authorizationCodeGrant(app, callback, { pkceCodeVerifier: codeVerifier, expectedState: state }, resource ? { resource } : undefined);
  }

  /** A confidential client a person registered on their account page, and one registered through RFC 7591. */
  async function selfRegistered(): Promise<oidc.Configuration[]> {
    const owner = await server.app.accounts.createUser({ username: 'registrar@example.com', password: 'registrar password 1' });
    const apps = createAccountAppsService({ db: server.stores.handle.db, supportedScopes: KNOWN_SCOPES });
    const mine = await apps.register(owner, { name: 'Curious app', kind: 'web', redirectUris: ['https://curious.example.com/cb'] });
    const response = await fetch(`${server.issuer}/reg`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}` },
      body: JSON.stringify({ redirect_uris: ['https://registered.example.com/cb'], grant_types: ['authorization_code', 'client_credentials'] }),
    });
    const registered = await response.json() as { client_id: string; client_secret: string };
    return Promise.all([
      discover(server.issuer, mine.client.clientId, mine.secret!),
      discover(server.issuer, registered.client_id, registered.client_secret),
    ]);
  }

  it('a self-registered client learns nothing about another app\'s tokens; the token\'s own client does', async () => {
    const tokens = await signIn();
    const [fromAccountPage, fromRegistration] = await selfRegistered();
    for (const outsider of [fromAccountPage!, fromRegistration!]) {
      expect(await oidc.tokenIntrospection(outsider, tokens.access_token)).toEqual({ active: false });
      expect(await oidc.tokenIntrospection(outsider, tokens.refresh_token!)).toEqual({ active: false });
    }
    // Its own token still introspects for it.
    const own = await oidc.clientCredentialsGrant(fromRegistration!);
    expect(await oidc.tokenIntrospection(fromRegistration!, own.access_token)).toMatchObject({ active: true });
    expect(await oidc.tokenIntrospection(app, tokens.access_token)).toMatchObject({ active: true, sub: expect.any(String), client_id: 'entitled-app' });
    expect(await oidc.tokenIntrospection(app, tokens.refresh_token!)).toMatchObject({ active: true, client_id: 'entitled-app' });
  });

  it('an API\'s designated client introspects access tokens meant for that API, and nothing else', async () => {
    const forBilling = await signIn(BILLING);
    expect(await oidc.tokenIntrospection(gateway, forBilling.access_token)).toMatchObject({
      active: true, aud: BILLING, scope: 'invoices:read', client_id: 'entitled-app', sub: expect.any(String),
    });
    // Another API's gateway, the refresh token, and a token without that audience stay out of reach.
    expect(await oidc.tokenIntrospection(reportsGateway, forBilling.access_token)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(gateway, forBilling.refresh_token!)).toEqual({ active: false });
    const userinfoOnly = await signIn();
    expect(await oidc.tokenIntrospection(gateway, userinfoOnly.access_token)).toEqual({ active: false });
    // A client credentials token for the API is the API's business too.
    const machine = await oidc.clientCredentialsGrant(app, { resource: BILLING, scope: 'invoices:read' });
    expect(await oidc.tokenIntrospection(gateway, machine.access_token)).toMatchObject({ active: true, aud: BILLING, client_id: 'entitled-app' });
    expect(await oidc.tokenIntrospection(reportsGateway, machine.access_token)).toEqual({ active: false });
  });

  it('refuses introspectingClients on a JWT API: its tokens are never introspected', () => {
    expect(() => resolveResourceServers(
      [{ identifier: '/jwt-api', name: 'JWT API', scopes: ['profile'], accessTokenFormat: 'jwt', introspectingClients: ['billing-gateway'] }],
      server.issuer, KNOWN_SCOPES,
    )).toThrow(/introspectingClients needs accessTokenFormat 'opaque'/);
  });
});
