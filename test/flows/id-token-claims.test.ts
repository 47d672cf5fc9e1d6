import * as oidc from 'openid-client';
import { PASSWORD_ACR } from '../../src/oidc/configuration/build-id-token-claims.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';

const REDIRECT_URI = 'https://rp.example.com/callback';
const SECRET = 'id-token-claims-client-secret-0123456789-0123456';
const user = { username: 'ada@example.com', password: 'correct horse battery' };
const clients = [{
  clientId: 'claims-rp', name: 'RP', type: 'confidential' as const, redirectUris: [REDIRECT_URI],
  grantTypes: ['authorization_code' as const], scopes: ['openid', 'profile', 'email'], secretEnv: 'RP_SECRET',
}];

async function start(label: string, env: Record<string, string> = {}): Promise<{ server: TestServer; config: oidc.Configuration }> {
  const server = await startTestServer(label, { env: { RP_SECRET: SECRET, ...env }, clients });
  await server.app.accounts.createUser({ ...user, name: 'Ada Lovelace', email: 'ada@example.com' });
  return { server, config: await discover(server.issuer, 'claims-rp', SECRET) };
}

async function signIn(server: TestServer, config: oidc.Configuration, params: Record<string, string>) {
  const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, nonce: 'n-0', ...params });
  const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
  if (callback.searchParams.has('error')) return { callback };
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: 'n-0' });
  return { callback, tokens, claims: tokens.claims()! };
}

describe('ID token claims (ID_TOKEN_CLAIMS=scopes, the default)', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  beforeAll(async () => { ({ server, config } = await start('id_token_claims')); });
  afterAll(async () => { await server.close(); });

  it('advertises the claims parameter and the acr values', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(metadata).toMatchObject({ claims_parameter_supported: true });
    expect(metadata.acr_values_supported).toContain(PASSWORD_ACR);
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['acr', 'amr', 'sid', 'auth_time']));
  });

  it('puts the granted scopes\' claims in the ID token, with amr and acr of the password sign-in', async () => {
    const { claims } = await signIn(server, config, { scope: 'openid profile email' });
    expect(claims).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', amr: ['pwd'], acr: PASSWORD_ACR });
  });

  it('answers voluntary acr_values with the class the sign-in achieved (Core §3.1.2.1)', async () => {
    const { claims } = await signIn(server, config, { scope: 'openid', acr_values: 'urn:example:acr:unknown-level' });
    expect(claims?.acr).toBe(PASSWORD_ACR);
  });

  it('refuses an essential acr no supported class meets with unmet_authentication_requirements (Core §5.5.1.1)', async () => {
    const essential = JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:example:acr:unknown-level'] } } });
    const { url } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, claims: essential });
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  it('meets an essential acr the password sign-in satisfies', async () => {
    const essential = JSON.stringify({ id_token: { acr: { essential: true, values: [PASSWORD_ACR] } } });
    const { claims } = await signIn(server, config, { scope: 'openid', claims: essential });
    expect(claims?.acr).toBe(PASSWORD_ACR);
  });
});

describe('ID token claims with ID_TOKEN_CLAIMS=strict', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  beforeAll(async () => { ({ server, config } = await start('id_token_claims_strict', { ID_TOKEN_CLAIMS: 'strict' })); });
  afterAll(async () => { await server.close(); });

  it('leaves scope claims to userinfo when an access token is issued (Core §5.4)', async () => {
    const { claims, tokens } = await signIn(server, config, { scope: 'openid profile email' });
    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('name');
    expect(claims).toMatchObject({ amr: ['pwd'], acr: PASSWORD_ACR });
    const userinfo = await oidc.fetchUserInfo(config, tokens!.access_token, claims!.sub);
    expect(userinfo).toMatchObject({ email: 'ada@example.com', name: 'Ada Lovelace' });
  });

  it('puts a claim asked for in the ID token through the claims parameter there (Core §5.5)', async () => {
    const claimsParameter = JSON.stringify({ id_token: { email: { essential: true } } });
    const { claims } = await signIn(server, config, { scope: 'openid email', claims: claimsParameter });
    expect(claims?.email).toBe('ada@example.com');
    expect(claims).not.toHaveProperty('name');
  });
});
