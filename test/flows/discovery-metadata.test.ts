import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

const REDIRECT_URI = 'https://rp.example.com/callback';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

// RFC 8414 §2 and OpenID Connect Discovery §3: what the server advertises
// beyond the endpoints, and that what it advertises works.
describe('discovery metadata for clients and certification tools', () => {
  let server: TestServer;
  let metadata: Record<string, unknown>;
  let privateKey: CryptoKey;

  beforeAll(async () => {
    server = await startTestServer('discovery_metadata', {
      resourceServers: [{ identifier: 'https://reports.example.com/', name: 'Reports', scopes: [{ name: 'reports:read', description: 'Read reports' }], accessTokenFormat: 'jwt' }],
    });
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    await addTestClient(server.stores, {
      client_id: 'jar-client', client_secret: 'jar-client-secret-0123456789-0123456789-0123', redirect_uris: [REDIRECT_URI],
      jwks: { keys: [{ ...await exportJWK(pair.publicKey), kid: 'rp-key', alg: 'RS256', use: 'sig' }] },
    });
    metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  });
  afterAll(async () => { await server.close(); });

  it('advertises the client authentication methods of revocation and introspection (RFC 8414 §2)', () => {
    const methods = metadata.token_endpoint_auth_methods_supported;
    expect(methods).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt']));
    expect(metadata.revocation_endpoint_auth_methods_supported).toEqual(methods);
    expect(metadata.introspection_endpoint_auth_methods_supported).toEqual(methods);
    expect(metadata.revocation_endpoint_auth_signing_alg_values_supported).toEqual(metadata.token_endpoint_auth_signing_alg_values_supported);
  });

  it('advertises signed request objects, the claims parameter and back-channel logout', () => {
    expect(metadata).toMatchObject({
      request_parameter_supported: true,
      claims_parameter_supported: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    });
    expect(metadata.request_object_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256', 'PS256']));
    expect(metadata.request_object_signing_alg_values_supported).not.toContain('none');
  });

  function authorize(params: Record<string, string>): Promise<Response> {
    return fetch(`${server.issuer}/auth?${new URLSearchParams(params)}`, { redirect: 'manual', headers: { accept: 'text/html' } });
  }

  const requestClaims = { client_id: 'jar-client', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state: 'st', code_challenge: CHALLENGE, code_challenge_method: 'S256' };

  it('accepts a request object signed with the client\'s key (Core §6.1)', async () => {
    const request = await new SignJWT(requestClaims).setProtectedHeader({ alg: 'RS256', kid: 'rp-key' })
      .setIssuer('jar-client').setAudience(server.issuer).setIssuedAt().setExpirationTime('2m').sign(privateKey);
    const response = await authorize({ client_id: 'jar-client', response_type: 'code', scope: 'openid', request });
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get('location')!, server.issuer).pathname).toMatch(/^\/interaction\//);
  });

  it('refuses an unsigned request object', async () => {
    const request = new UnsecuredJWT(requestClaims).setIssuer('jar-client').setAudience(server.issuer).setIssuedAt().encode();
    const response = await authorize({ client_id: 'jar-client', response_type: 'code', scope: 'openid', request });
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request_object');
  });

  it('never puts a raw double quote in an error_description of ours', async () => {
    const response = await authorize({ ...requestClaims, scope: 'openid reports:read' });
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('error_description')).toBe("scope 'reports:read' belongs to another API; request it with that API as resource");
  });
});
