import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { describeOwnTables, type StoreKind } from '../support/test-stores.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, completeInteractions, discover } from '../support/oidc-flow.js';
import { dumpRedis } from '../adapters/redis-harness.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const REDIRECT_URI = 'https://vault.example.com/cb';
const SECRET = 'vault-secret-0123456789-0123456789-0123456789';
const user = { username: 'vault-keeper', password: 'keeping-secrets-1' };

/**
 * Issue 16 item 8: a Redis dump or a database dump hands out no live
 * credential. After every step of the code, PAR and device flows, every key
 * and value under this file's Redis prefix and every row of every table of
 * its schema are read, and none may contain a code, device or user code,
 * request_uri id, interaction uid or token seen on the wire. Once with
 * Redis, once with the short-lived models in SQL (no REDIS_URL).
 */
describe.each<[string, StoreKind]>([
  ['Redis and Postgres', 'postgres+redis'],
  ['Postgres alone', 'postgres'],
])('secrets at rest with %s', (_label, kind) => {
  let server: TestServer;
  let config: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer(`secrets_at_rest_${kind}`, { kind });
    await server.app.accounts.createUser(user);
    await addTestClient(server.stores, {
      client_id: 'vault-app', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'],
    });
    await addTestClient(server.stores, {
      client_id: 'vault-tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT, 'refresh_token'], response_types: [], redirect_uris: [],
    });
    config = await discover(server.issuer, 'vault-app', SECRET);
  });
  afterAll(async () => { await server.close(); });

  /** Everything both stores hold for this server, as one text. */
  async function dump(): Promise<string> {
    const { stores } = server;
    const parts: string[] = [];
    if (stores.redis) parts.push(await dumpRedis(stores.redis as Redis, stores.config.redis.keyPrefix));
    for (const table of Object.keys(await describeOwnTables(stores))) {
      const { rows } = await sql`select * from ${sql.id(stores.config.database.schema, table)}`.execute(stores.handle.db);
      parts.push(JSON.stringify(rows));
    }
    return parts.join('\n');
  }

  async function expectNoneStored(secrets: Record<string, string | undefined>): Promise<void> {
    const everything = await dump();
    for (const [name, value] of Object.entries(secrets)) {
      expect(value).toEqual(expect.any(String));
      if (everything.includes(value!)) throw new Error(`the ${name} (${value}) is stored in clear`);
    }
  }

  const interactionUid = (url: string) => /\/interaction\/([^/?#]+)/.exec(url)?.[1];

  async function redeem(callback: URL, codeVerifier: string, state: string) {
    return oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
  }

  it('authorization code flow: interaction uid, code and tokens', async () => {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const browser = new HttpBrowser(server.issuer);
    const loginPage = await browser.follow(url.toString());
    const uid = interactionUid(loginPage.url);
    await expectNoneStored({ uid });
    const finished = await completeInteractions(browser, loginPage, user);
    const code = finished.url.searchParams.get('code') ?? undefined;
    await expectNoneStored({ uid, code });
    const tokens = await redeem(finished.url, codeVerifier, state);
    await expectNoneStored({ uid, code, accessToken: tokens.access_token, refreshToken: tokens.refresh_token });
  });

  it('pushed authorization request: the request_uri id and the interaction it starts', async () => {
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid', state, prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
    });
    const requestUri = url.searchParams.get('request_uri')!;
    const parId = requestUri.slice(requestUri.lastIndexOf(':') + 1);
    await expectNoneStored({ requestUri, parId });
    const browser = new HttpBrowser(server.issuer);
    const firstPage = await browser.follow(url.toString());
    const uid = interactionUid(firstPage.url);
    await expectNoneStored({ parId, uid });
    const finished = await completeInteractions(browser, firstPage, user);
    await expectNoneStored({ parId, uid, code: finished.url.searchParams.get('code') ?? undefined });
    const tokens = await redeem(finished.url, codeVerifier, state);
    await expectNoneStored({ parId, uid, accessToken: tokens.access_token });
  });

  it('device flow: device code, user code (as shown and as typed), interaction uid and tokens', async () => {
    const response = await fetch(`${server.issuer}/device/auth`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: 'vault-tv', scope: 'openid offline_access' }),
    });
    const authorization = await response.json() as Record<string, string>;
    const deviceCode = authorization.device_code;
    const userCode = authorization.user_code!;
    const secrets: Record<string, string | undefined> = { deviceCode, userCode, typedUserCode: userCode.replace(/[^A-Z]/g, '') };
    await expectNoneStored(secrets);

    const browser = new HttpBrowser(server.issuer);
    const prefilled = await browser.follow(authorization.verification_uri_complete!);
    const submitted = readForm(await prefilled.response.text(), /\/device$/);
    const confirmPage = await browser.follow(submitted.action, { form: submitted.fields });
    const confirm = readForm(await confirmPage.response.text(), /\/device$/);
    const loginPage = await browser.follow(confirm.action, { form: confirm.fields });
    secrets.uid = interactionUid(loginPage.url);
    await expectNoneStored(secrets);
    const done = await completeInteractions(browser, loginPage, user);
    expect(done.status).toBe(200);
    await expectNoneStored(secrets);

    const poll = await fetch(`${server.issuer}/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: deviceCode!, client_id: 'vault-tv' }),
    });
    expect(poll.status).toBe(200);
    const tokens = await poll.json() as Record<string, string>;
    await expectNoneStored({ ...secrets, accessToken: tokens.access_token, refreshToken: tokens.refresh_token });
  });
});
