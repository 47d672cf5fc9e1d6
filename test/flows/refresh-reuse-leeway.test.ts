import { jest } from '@jest/globals';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { hashId } from '../../adapters/storage-id.js';
import type { ClientDefinitionInput } from '../../src/clients/client-definition.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { runCli } from '../support/run-cli.js';

// One CLI call is a real process (tsx compiles on start): slow on a loaded machine.

const REDIRECT_URI = 'https://tabs.example.com/cb';
const SECRET = 'leeway-client-secret-0123456789-0123456789-01';
const LEEWAY = 30;
const user = { username: 'tab-hoarder', password: 'many-tabs-password-1' };

const inCode = (clientId: string, extra: Partial<ClientDefinitionInput> = {}): ClientDefinitionInput => ({
  clientId, name: clientId, type: 'confidential', redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code', 'refresh_token'],
  scopes: ['openid', 'offline_access'], secretEnv: 'TABS_SECRET', ...extra,
});

/**
 * Issue 16 item 3. By default a refresh token presented a second time revokes
 * the whole family (RFC 9700 §4.14.2). A client may opt into a reuse leeway:
 * within it the token just rotated may be presented again (the answer was
 * lost, two tabs refreshed at once) and rotates again; after it, reuse
 * revokes as before. "After" is made by moving consumed_at back in the
 * database, never by waiting.
 */
describe('refresh token reuse leeway', () => {
  let server: TestServer;
  const clients = new Map<string, { secret: string; config: oidc.Configuration }>();

  beforeAll(async () => {
    server = await startTestServer('refresh_leeway', {
      env: { TABS_SECRET: SECRET, RATE_LIMIT_TOKEN_PER_CLIENT: '0', RATE_LIMIT_TOKEN_PER_IP: '0' },
      clients: [inCode('strict-tabs'), inCode('lenient-tabs', { refreshReuseLeewaySeconds: LEEWAY })],
    });
    await server.app.accounts.createUser(user);
    for (const clientId of ['strict-tabs', 'lenient-tabs']) clients.set(clientId, { secret: SECRET, config: await discover(server.issuer, clientId, SECRET) });
  });
  afterAll(async () => { await server.close(); });

  function refresh(clientId: string, refreshToken: string) {
    const { secret } = clients.get(clientId)!;
    return fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    }).then(async (response) => ({ status: response.status, body: await response.json() as Record<string, string> }));
  }

  async function signedInTokens(clientId: string): Promise<{ refreshToken: string; accessToken: string; grantId: string }> {
    const { config } = clients.get(clientId)!;
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    const row = await server.stores.handle.db.selectFrom('oidc_refresh_tokens').select('grant_id').where('id', '=', hashId(tokens.refresh_token!)).executeTakeFirstOrThrow();
    return { refreshToken: tokens.refresh_token!, accessToken: tokens.access_token, grantId: row.grant_id! };
  }

  const userinfoStatus = async (accessToken: string) => (await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;

  /** Rows of the family still stored: the grant, its access and refresh tokens. */
  async function familyRows(grantId: string): Promise<number> {
    const { db } = server.stores.handle;
    const count = async (table: 'oidc_access_tokens' | 'oidc_refresh_tokens') =>
      Number((await db.selectFrom(table).select(db.fn.countAll().as('n')).where('grant_id', '=', grantId).executeTakeFirstOrThrow()).n);
    const grants = Number((await db.selectFrom('oidc_grants').select(db.fn.countAll().as('n')).where('id', '=', grantId).executeTakeFirstOrThrow()).n);
    return grants + await count('oidc_access_tokens') + await count('oidc_refresh_tokens');
  }

  /** As if `seconds` had passed since the refresh token was rotated. */
  async function rotatedSecondsAgo(refreshToken: string, seconds: number): Promise<void> {
    const result = await sql`update oidc_refresh_tokens set consumed_at = now() - make_interval(secs => ${seconds}) where id = ${hashId(refreshToken)} and consumed_at is not null`
      .execute(server.stores.handle.db);
    expect(Number(result.numAffectedRows)).toBe(1);
  }

  async function expectFamilyRevoked(family: { grantId: string; accessToken: string }, refreshTokens: string[], clientId: string): Promise<void> {
    for (const token of refreshTokens) expect(await refresh(clientId, token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await userinfoStatus(family.accessToken)).toBe(401);
    expect(await familyRows(family.grantId)).toBe(0);
  }

  it('by default, a retried refresh after a lost answer revokes the whole family, every row of it', async () => {
    const family = await signedInTokens('strict-tabs');
    const rotated = await refresh('strict-tabs', family.refreshToken);
    expect(rotated.status).toBe(200);
    // The answer never reached the client, which retries with the token it has.
    expect(await refresh('strict-tabs', family.refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    await expectFamilyRevoked(family, [rotated.body.refresh_token!], 'strict-tabs');
    expect(await userinfoStatus(rotated.body.access_token!)).toBe(401);
  });

  it('within the leeway, a retried refresh rotates again and revokes nothing', async () => {
    const family = await signedInTokens('lenient-tabs');
    const lost = await refresh('lenient-tabs', family.refreshToken);
    expect(lost.status).toBe(200);
    const retried = await refresh('lenient-tabs', family.refreshToken);
    expect(retried.status).toBe(200);
    expect(retried.body.refresh_token).not.toBe(lost.body.refresh_token);
    expect(retried.body.refresh_token).not.toBe(family.refreshToken);
    // The chain goes on from the retried answer, and nothing issued before was revoked.
    expect((await refresh('lenient-tabs', retried.body.refresh_token!)).status).toBe(200);
    for (const token of [family.accessToken, lost.body.access_token!, retried.body.access_token!]) expect(await userinfoStatus(token)).toBe(200);
  });

  it('after the leeway, reuse revokes the whole family as without one', async () => {
    const family = await signedInTokens('lenient-tabs');
    const rotated = await refresh('lenient-tabs', family.refreshToken);
    expect(rotated.status).toBe(200);
    await rotatedSecondsAgo(family.refreshToken, LEEWAY + 1);
    expect(await refresh('lenient-tabs', family.refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    await expectFamilyRevoked(family, [rotated.body.refresh_token!], 'lenient-tabs');
  });

  it('two concurrent refreshes without a leeway: at most one succeeds, and the family is revoked', async () => {
    const family = await signedInTokens('strict-tabs');
    const results = await Promise.all([refresh('strict-tabs', family.refreshToken), refresh('strict-tabs', family.refreshToken)]);
    const winners = results.filter((result) => result.status === 200);
    expect(winners.length).toBeLessThanOrEqual(1);
    for (const loser of results.filter((result) => result.status !== 200)) expect(loser).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // Whoever won holds nothing that works any more.
    for (const winner of winners) {
      expect(await refresh('strict-tabs', winner.body.refresh_token!)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect(await userinfoStatus(winner.body.access_token!)).toBe(401);
    }
    expect(await userinfoStatus(family.accessToken)).toBe(401);
  });

  it('two concurrent refreshes within a leeway: both succeed and neither revokes', async () => {
    const family = await signedInTokens('lenient-tabs');
    const results = await Promise.all([refresh('lenient-tabs', family.refreshToken), refresh('lenient-tabs', family.refreshToken)]);
    expect(results.map((result) => result.status)).toEqual([200, 200]);
    for (const result of results) {
      expect((await refresh('lenient-tabs', result.body.refresh_token!)).status).toBe(200);
      expect(await userinfoStatus(result.body.access_token!)).toBe(200);
    }
  });

  it('is settable on a client made with the CLI (0-60 s) and applies to its refresh tokens', async () => {
    const tooLong = await runCli(server.stores, ['clients', 'create', '--name', 'Too lenient', '--type', 'confidential', '--redirect-uri', REDIRECT_URI, '--refresh-reuse-leeway', '61']);
    expect(tooLong.code).not.toBe(0);
    expect(tooLong.stderr).toMatch(/refreshReuseLeewaySeconds/);

    const created = await runCli(server.stores, [
      'clients', 'create', '--name', 'CLI tabs', '--type', 'confidential', '--redirect-uri', REDIRECT_URI,
      '--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--scope', 'openid', '--scope', 'offline_access', '--refresh-reuse-leeway', '20',
    ]);
    expect(created.code).toBe(0);
    const clientId = /^client_id: (.+)$/m.exec(created.stdout)![1]!;
    const secret = /^client_secret: (.+)$/m.exec(created.stdout)![1]!;
    clients.set(clientId, { secret, config: await discover(server.issuer, clientId, secret) });

    const family = await signedInTokens(clientId);
    expect((await refresh(clientId, family.refreshToken)).status).toBe(200);
    expect((await refresh(clientId, family.refreshToken)).status).toBe(200);
    await rotatedSecondsAgo(family.refreshToken, 21);
    expect(await refresh(clientId, family.refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await familyRows(family.grantId)).toBe(0);
  });
});
