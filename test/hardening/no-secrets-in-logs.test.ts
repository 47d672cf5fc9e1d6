import * as oidc from 'openid-client';
import { HttpBrowser } from '../support/http-browser.js';
import { LogSink } from '../support/log-sink.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

const REDIRECT_URI = 'https://logs.example.com/cb';
const SECRET = 'logs-client-secret-0123456789-0123456789-0123';
const REGISTRATION_TOKEN = 'logs-initial-access-token-0123456789-0123456789';
const user = { username: 'logged@example.com', password: 'a password nobody may log 42' };

describe('no token, secret or password in the logs or the audit trail', () => {
  let server: TestServer;
  const sink = new LogSink();
  const lines = sink.raw;
  const secrets = new Set<string>([SECRET, REGISTRATION_TOKEN, user.password]);

  beforeAll(async () => {
    server = await startTestServer('no_secrets_in_logs', { env: { REGISTRATION_TOKEN }, logDestination: sink });
    await server.app.accounts.createUser(user);
    await addTestClient(server.stores, {
      client_id: 'web', client_secret: SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], response_types: ['code'],
    });
  });
  afterAll(async () => { await server.close(); });

  it('runs every credential-carrying flow, then finds none of the values it used', async () => {
    const config = await discover(server.issuer, 'web', SECRET);
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const browser = new HttpBrowser(server.issuer);
    // A wrong password first, so the failure path logs too.
    await browser.follow(url.toString()).then(async ({ response }) => {
      const html = await response.text();
      const action = /action="([^"]*\/login)"/.exec(html)![1];
      const csrf = /name="_csrf" value="([^"]*)"/.exec(html)?.[1];
      await browser.request(action, { form: { username: user.username, password: 'wrong-password-also-secret', ...(csrf ? { _csrf: csrf } : {}) } });
    });
    secrets.add('wrong-password-also-secret');
    const callback = await signInAndConsent(browser, url, user);
    secrets.add(callback.searchParams.get('code')!);
    secrets.add(codeVerifier);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const machine = await oidc.clientCredentialsGrant(config);
    for (const value of [tokens.access_token, tokens.refresh_token!, tokens.id_token!, refreshed.access_token, refreshed.refresh_token!, machine.access_token]) secrets.add(value);
    await oidc.tokenIntrospection(config, refreshed.access_token);
    await oidc.tokenRevocation(config, refreshed.refresh_token!);
    // Replays and bad credentials take the error paths.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toBeDefined();
    const badSecret = `${SECRET}-wrong`;
    secrets.add(badSecret);
    await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`web:${badSecret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    const registered = await (await fetch(`${server.issuer}/reg`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}` },
      body: JSON.stringify({ redirect_uris: ['https://registered.example.com/cb'] }),
    })).json() as { client_secret: string; registration_access_token: string };
    secrets.add(registered.client_secret);
    secrets.add(registered.registration_access_token);
    // Listeners write their audit events beside the responses: wait until every one has landed.
    const expected = ['token.revoked', 'client.created'];
    await waitFor('the listeners\' audit events', async () => {
      const events = new Set((await server.stores.handle.db.selectFrom('audit_events').select('event').execute()).map((row) => row.event));
      if (!expected.every((event) => events.has(event))) throw new Error(`found only ${[...events].join(', ')}`);
      return true;
    });

    expect(lines.length).toBeGreaterThan(0);
    const logText = lines.join('\n');
    // The logs did see the credential-carrying requests (one line per request at least).
    expect(logText).toMatch(/"route":"token"/);
    expect(logText).toMatch(/"route":"introspection"/);
    const auditText = JSON.stringify(await server.stores.handle.db.selectFrom('audit_events').selectAll().execute());
    expect(auditText).toContain('token.issued');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect({ secret, inLogs: logText.includes(secret) }).toEqual({ secret, inLogs: false });
      expect({ secret, inAudit: auditText.includes(secret) }).toEqual({ secret, inAudit: false });
    }
  });
});
