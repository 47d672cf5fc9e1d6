import { startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';

const INITIAL_TOKEN = 'initial-access-token-oidc-agent-0123456789-0123';
const user = { username: 'grace@example.com', password: 'correct horse battery' };

// The registration bodies Debian's oidc-agent 4.2.6 sends, captured from
// `oidc-gen --iss=… --at=… --flow=code` and `--flow=device` (the middle port
// is random per run). It declares `web` yet registers loopback and a
// private-use scheme redirect, so the server records it as `native`
// (build-client-metadata.ts, RFC 7591 §3.2.1).
const CODE_FLOW_REGISTRATION = '{"application_type":"web","client_name":"oidc-agent:testacct-vm","response_types":["code"],"grant_types":["refresh_token","authorization_code"],"scope":"openid profile offline_access","redirect_uris":["http://localhost:4242","http://localhost:40290","http://localhost:8080","edu.kit.data.oidc-agent:/redirect"]}';
const DEVICE_FLOW_REGISTRATION = '{"application_type":"web","client_name":"oidc-agent:testdev-vm","response_types":[],"grant_types":["refresh_token","urn:ietf:params:oauth:grant-type:device_code"],"scope":"openid profile offline_access","redirect_uris":["http://localhost:4242","http://localhost:7415","http://localhost:8080","edu.kit.data.oidc-agent:/redirect"]}';

describe('oidc-agent registers itself and signs in over a localhost loopback redirect', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('oidc_agent_registration', { env: { REGISTRATION_TOKEN: INITIAL_TOKEN } });
    await server.app.accounts.createUser({ ...user, name: 'Grace Hopper', email: 'grace@example.com' });
  });
  afterAll(async () => { await server.close(); });

  async function register(body: string) {
    const response = await fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: '*/*', authorization: `Bearer ${INITIAL_TOKEN}` },
      body,
    });
    return { status: response.status, body: await response.json() as Record<string, unknown> };
  }

  it.each([['code flow', CODE_FLOW_REGISTRATION], ['device flow', DEVICE_FLOW_REGISTRATION]])('accepts the %s registration as a native confidential client', async (_label, body) => {
    const registered = await register(body);
    expect(registered.status).toBe(201);
    const sent = JSON.parse(body) as Record<string, unknown>;
    expect(registered.body).toMatchObject({
      application_type: 'native',
      redirect_uris: sent.redirect_uris,
      grant_types: sent.grant_types,
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret: expect.any(String),
    });
  });

  it('completes the loopback code flow on a port it did not register (RFC 8252 §7.3)', async () => {
    const { body } = await register(CODE_FLOW_REGISTRATION);
    const config = await discover(server.issuer, body.client_id as string, body.client_secret as string);
    const redirectUri = 'http://localhost:40291';
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: redirectUri, scope: 'openid profile offline_access', prompt: 'consent' });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    expect(callback.origin).toBe(redirectUri);
    expect(callback.searchParams.get('state')).toBe(state);
    // oidc-agent sends back the redirect URI exactly as it asked (no trailing
    // slash, which a URL parser would add), with client_secret_basic.
    const basic = Buffer.from(`${encodeURIComponent(body.client_id as string)}:${encodeURIComponent(body.client_secret as string)}`).toString('base64');
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: redirectUri, code_verifier: codeVerifier }),
    });
    const tokens = await response.json() as Record<string, string>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String), id_token: expect.any(String) });
    const idToken = JSON.parse(Buffer.from(tokens.id_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(idToken).toMatchObject({ iss: server.issuer, aud: body.client_id });
  });

  it('still refuses a web client with a private-use scheme beside an https redirect', async () => {
    const { status, body } = await register(JSON.stringify({
      application_type: 'web',
      redirect_uris: ['https://app.example.com/cb', 'edu.kit.data.oidc-agent:/redirect'],
    }));
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_redirect_uri');
  });
});
