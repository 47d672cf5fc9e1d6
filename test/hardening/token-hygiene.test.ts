import * as oidc from 'openid-client';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

const REDIRECT_URI = 'https://hygiene.example.com/cb';
const SECRET = 'hygiene-client-secret-0123456789-0123456789';
const user = { username: 'hygiene@example.com', password: 'correct horse battery staple' };

describe('token hygiene through HTTP', () => {
  let server: TestServer;
  let web: oidc.Configuration;
  let spa: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer('token_hygiene');
    await server.app.accounts.createUser(user);
    await addTestClient(server.stores, {
      client_id: 'web', client_secret: SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    });
    await addTestClient(server.stores, {
      client_id: 'spa', token_endpoint_auth_method: 'none', application_type: 'native', redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    });
    web = await discover(server.issuer, 'web', SECRET);
    spa = await discover(server.issuer, 'spa', undefined, oidc.None());
  });
  afterAll(async () => { await server.close(); });

  async function authorize(config: oidc.Configuration) {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const callbackUrl = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    const exchange = () => oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });
    return { tokens: await exchange(), exchange };
  }
  const isActive = async (token: string) => (await oidc.tokenIntrospection(web, token)).active;

  async function auditEvents(event: string) {
    // Listener writes run beside the response: wait for them to land.
    return waitFor(`an ${event} audit event`, async () => {
      const rows = await server.stores.handle.db.selectFrom('audit_events').selectAll().where('event', '=', event).execute();
      return rows.length ? rows : undefined;
    });
  }

  it('revokes the access and refresh token already issued from a code when the code is replayed', async () => {
    const { tokens, exchange } = await authorize(web);
    expect(await isActive(tokens.access_token)).toBe(true);
    await expect(exchange()).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await isActive(tokens.access_token)).toBe(false);
    expect(await isActive(tokens.refresh_token!)).toBe(false);
    expect((await auditEvents('authorization_code.replay_detected'))[0]).toMatchObject({ client_id: 'web' });
  });

  it('revokes the whole refresh token family when a rotated refresh token is reused', async () => {
    const { tokens } = await authorize(web);
    const rotated = await oidc.refreshTokenGrant(web, tokens.refresh_token!);
    await expect(oidc.refreshTokenGrant(web, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await isActive(rotated.access_token)).toBe(false);
    expect(await isActive(rotated.refresh_token!)).toBe(false);
    await expect(oidc.refreshTokenGrant(web, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const [reuse] = await auditEvents('refresh_token.reuse_detected');
    expect(reuse).toMatchObject({ client_id: 'web', actor: expect.any(String) });
  });

  it('revoking a refresh token at the revocation endpoint makes the related access tokens inactive', async () => {
    const { tokens } = await authorize(web);
    const refreshed = await oidc.refreshTokenGrant(web, tokens.refresh_token!);
    expect(await isActive(tokens.access_token)).toBe(true);
    await oidc.tokenRevocation(web, refreshed.refresh_token!);
    expect(await isActive(tokens.access_token)).toBe(false);
    expect(await isActive(refreshed.access_token)).toBe(false);
    expect(await isActive(refreshed.refresh_token!)).toBe(false);
    const [revoked] = await auditEvents('token.revoked');
    expect(revoked).toMatchObject({ client_id: 'web', details: { kind: 'RefreshToken' } });
  });

  it('gives public clients short-lived access tokens (PUBLIC_CLIENT_ACCESS_TOKEN_TTL, 900 s by default)', async () => {
    const { tokens } = await authorize(spa);
    expect(tokens.expires_in).toBeLessThanOrEqual(900);
    expect(tokens.expires_in).toBeGreaterThan(880);
    const { tokens: confidential } = await authorize(web);
    expect(confidential.expires_in).toBeGreaterThan(3500);
    const issued = await auditEvents('token.issued');
    expect(issued.some((row) => row.client_id === 'spa' && row.details.grant_type === 'authorization_code')).toBe(true);
  });
});
