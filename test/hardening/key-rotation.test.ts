import { decodeProtectedHeader, createLocalJWKSet, jwtVerify } from 'jose';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { runCli } from '../support/run-cli.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

const REDIRECT_URI = 'https://keys.example.com/cb';
const SECRET = 'keys-client-secret-0123456789-0123456789-0123';
const user = { username: 'keys@example.com', password: 'key rotation password' };
const ACCESS_TOKEN_TTL = 600;

describe('signing key rotation', () => {
  let server: TestServer;
  let port: number;

  beforeAll(async () => {
    server = await startTestServer('key_rotation', { env: { ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL) } });
    port = Number(new URL(server.issuer).port);
    await server.app.accounts.createUser(user);
    await addTestClient(server.stores, { client_id: 'web', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], response_types: ['code'] });
  });
  afterAll(async () => { await server.close(); });

  async function restart() {
    await server.close({ keepStores: true });
    server = await startTestServer('key_rotation', { stores: server.stores, port, env: { ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL) } });
  }
  async function idToken(): Promise<string> {
    const config = await discover(server.issuer, 'web', SECRET);
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    return (await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state })).id_token!;
  }
  const jwks = async () => (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: Array<{ kid: string; alg: string; d?: string }> };
  const cli = (...args: string[]) => runCli(server.stores, args);

  it('signs with the new key after `keys rotate` and a restart, and still publishes the retired one', async () => {
    const before = await jwks();
    expect(before.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    const oldToken = await idToken();
    const oldKid = decodeProtectedHeader(oldToken).kid;

    const { stdout } = await cli('keys', 'rotate');
    expect(stdout).toMatch(/created \S+ \(RS256\)/);
    expect(stdout).toMatch(new RegExp(`retired ${oldKid}`));
    await restart();

    const after = await jwks();
    expect(after.keys).toHaveLength(4);
    expect(after.keys.every((key) => key.d === undefined)).toBe(true);
    const newToken = await idToken();
    const newKid = decodeProtectedHeader(newToken).kid;
    expect(newKid).not.toBe(oldKid);
    expect(stdout).toContain(`created ${newKid} (RS256)`);
    // A relying party holding a token signed before the rotation can still verify it.
    const keySet = createLocalJWKSet(after as Parameters<typeof createLocalJWKSet>[0]);
    await expect(jwtVerify(oldToken, keySet, { currentDate: new Date() })).resolves.toBeDefined();

    const audit = await server.stores.handle.db.selectFrom('audit_events').selectAll().where('event', '=', 'keys.rotated').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ retired: expect.arrayContaining([oldKid]) });
  });

  it('drops a retired key from the JWKS once retired_at + the longest token lifetime has passed', async () => {
    await sql`update signing_keys set retired_at = now() - ${ACCESS_TOKEN_TTL + 5} * interval '1 second' where retired_at is not null`
      .execute(server.stores.handle.db);
    await restart();
    expect((await jwks()).keys).toHaveLength(2);
    const { stdout } = await cli('keys', 'list');
    expect(stdout.match(/\tcurrent\t/g)).toHaveLength(2);
    expect(stdout.match(/\texpired\t/g)).toHaveLength(2);
  });
});
