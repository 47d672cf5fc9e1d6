import { jest } from '@jest/globals';
import * as oidc from 'openid-client';
import type { ClientDefinitionInput } from '../../src/clients/client-definition.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createServerApp } from '../../src/compose/create-server-app.js';
import { createLogger } from '../../src/observability/logger.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { discover, signInAndConsent } from '../support/oidc-flow.js';
import { LogSink } from '../support/log-sink.js';
import { runCli } from '../support/run-cli.js';

// One CLI call is a real process (tsx compiles on start): slow on a loaded machine.

const REDIRECT_URI = 'https://rp.example.com/callback';
const SECRET = 'pkce-optional-client-secret-0123456789-0123456789';
const INITIAL_TOKEN = 'initial-access-token-pkce-policy-0123456789-01';
const user = { username: 'lin@example.com', password: 'correct horse battery' };

function authorizeUrl(issuer: string, clientId: string, extra: Record<string, string> = {}): URL {
  const params = { client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state: 'st-1', nonce: 'n-1', ...extra };
  return new URL(`${issuer}/auth?${new URLSearchParams(params)}`);
}

async function register(issuer: string, metadata: Record<string, unknown>) {
  const response = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL_TOKEN}` },
    body: JSON.stringify({ redirect_uris: [REDIRECT_URI], ...metadata }),
  });
  return { status: response.status, body: await response.json() as Record<string, unknown> };
}

describe('PKCE per client: required by default, optional for a confidential client an operator marks', () => {
  let server: TestServer;
  const logs = new LogSink();

  beforeAll(async () => {
    server = await startTestServer('pkce_per_client', {
      env: { LEGACY_SECRET: SECRET, STRICT_SECRET: SECRET, REGISTRATION_TOKEN: INITIAL_TOKEN, RATE_LIMIT_REGISTRATION_PER_IP: '0' },
      logDestination: logs,
      clients: [
        { clientId: 'legacy-rp', name: 'Legacy RP', type: 'confidential', redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code'], scopes: ['openid'], secretEnv: 'LEGACY_SECRET', pkce: 'optional' },
        { clientId: 'strict-rp', name: 'Strict RP', type: 'confidential', redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code'], scopes: ['openid'], secretEnv: 'STRICT_SECRET' },
      ],
    });
    await server.app.accounts.createUser({ ...user, name: 'Lin', email: 'lin@example.com' });
  });
  afterAll(async () => { await server.close(); });

  it('logs a warning at boot naming each client without PKCE, and only those', () => {
    const warnings = logs.lines.filter((line) => line.level === 40 && String(line.msg).includes('PKCE is optional'));
    expect(warnings.map((line) => line.clientId)).toEqual(['legacy-rp']);
  });

  it('lets the marked confidential client complete the code flow without PKCE (nonce and state instead)', async () => {
    const config = await discover(server.issuer, 'legacy-rp', SECRET);
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), authorizeUrl(server.issuer, 'legacy-rp'), user);
    expect(callback.searchParams.get('error')).toBeNull();
    const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedState: 'st-1', expectedNonce: 'n-1' });
    expect(tokens.claims()?.aud).toBe('legacy-rp');
  });

  it('still verifies a code_challenge the marked client does send', async () => {
    const config = await discover(server.issuer, 'legacy-rp', SECRET);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = authorizeUrl(server.issuer, 'legacy-rp', { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    await expect(oidc.authorizationCodeGrant(config, callback, { expectedState: 'st-1', expectedNonce: 'n-1', pkceCodeVerifier: oidc.randomPKCECodeVerifier() }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('keeps PKCE required for every other client', async () => {
    const response = await fetch(authorizeUrl(server.issuer, 'strict-rp'), { redirect: 'manual' });
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('refuses pkce: optional through dynamic registration unless the operator allows it', async () => {
    const refused = await register(server.issuer, { pkce: 'optional' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_client_metadata', error_description: expect.stringMatching(/pkce cannot be made optional/) });
    expect((await register(server.issuer, { pkce: 'sometimes' })).status).toBe(400);
  });

  it('refuses pkce: optional for a client in code that is public', async () => {
    const config = loadConfig({ ...server.stores.env });
    const clients: ClientDefinitionInput[] = [{ clientId: 'spa', name: 'SPA', type: 'public', redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code'], scopes: ['openid'], pkce: 'optional' }];
    const boot = createServerApp({ config, database: server.stores.handle, redis: server.stores.redis, logger: createLogger({ level: 'silent' }), clients });
    const error = await boot.then(() => undefined, (err: unknown) => err as Error);
    expect(error?.message).toMatch(/client spa: pkce: optional is only for confidential clients/);
  });

  it('sets pkce optional for a confidential client with the CLI', async () => {
    const created = await runCli(server.stores, ['clients', 'create', '--name', 'Passport app', '--type', 'confidential', '--redirect-uri', REDIRECT_URI, '--pkce', 'optional', '--client-id', 'cli-legacy']);
    expect(created.code).toBe(0);
    const row = await server.stores.handle.db.selectFrom('clients').select('metadata').where('client_id', '=', 'cli-legacy').executeTakeFirstOrThrow();
    expect(row.metadata).toMatchObject({ pkce: 'optional', token_endpoint_auth_method: 'client_secret_basic' });
    const response = await fetch(authorizeUrl(server.issuer, 'cli-legacy'), { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get('location')!, server.issuer).pathname).toMatch(/^\/interaction\//);
  });
});

describe('PKCE optional through registration when REGISTRATION_ALLOW_PKCE_OPTIONAL=true', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pkce_registration_allowed', { env: { REGISTRATION_TOKEN: INITIAL_TOKEN, REGISTRATION_ALLOW_PKCE_OPTIONAL: 'true' } });
  });
  afterAll(async () => { await server.close(); });

  it('accepts it for a confidential client and still refuses it for a public one', async () => {
    const confidential = await register(server.issuer, { pkce: 'optional' });
    expect(confidential.status).toBe(201);
    expect(confidential.body).toMatchObject({ pkce: 'optional', token_endpoint_auth_method: 'client_secret_basic' });
    const publicClient = await register(server.issuer, { pkce: 'optional', token_endpoint_auth_method: 'none' });
    expect(publicClient.status).toBe(400);
    expect(publicClient.body.error_description).toMatch(/public client always uses PKCE/);
  });
});
