import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { hashId } from '../../adapters/storage-id.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { waitFor } from '../support/wait-for.js';

const REDIRECT_URI = 'https://race.example.com/cb';
const SECRET = 'race-secret-0123456789-0123456789-0123456789';
const user = { username: 'racer', password: 'racing-password-1' };
const PARALLEL = 20;

function tokenRequest(issuer: string, form: Record<string, string>) {
  return fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`race-app:${SECRET}`).toString('base64')}` },
    body: new URLSearchParams(form),
  }).then(async (response) => ({ status: response.status, body: await response.json() as Record<string, string> }));
}

describe.each([
  ['one instance', 1],
  ['two instances sharing the stores', 2],
])('exactly-once redemption on %s', (_label, instances) => {
  const servers: TestServer[] = [];
  let config: oidc.Configuration;

  beforeAll(async () => {
    const first = await startTestServer(`race_${instances}`);
    servers.push(first);
    if (instances === 2) servers.push(await startTestServer('race_b', { stores: first.stores }));
    await first.app.accounts.createUser(user);
    await addTestClient(first.stores, {
      client_id: 'race-app', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'],
    });
    config = await discover(first.issuer, 'race-app', SECRET);
  });
  afterAll(async () => {
    for (const server of servers.slice(1)) await server.close({ keepStores: true });
    await servers[0].close();
  });

  const issuerFor = (index: number) => servers[index % servers.length]!.issuer;
  const userinfoStatus = async (accessToken: string) => (await fetch(`${issuerFor(1)}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;

  /**
   * A replay is revoked as a whole (RFC 6749 §4.1.2, RFC 9700 §4.14.2): the
   * winner's tokens stop working too, and by the time the losers have their
   * answers (src/oidc/listeners/replay.ts holds them until it is done).
   */
  async function expectWinnerRevoked(winner: { body: Record<string, string> }): Promise<void> {
    expect(await userinfoStatus(winner.body.access_token!)).toBe(401);
    expect(await tokenRequest(issuerFor(1), { grant_type: 'refresh_token', refresh_token: winner.body.refresh_token! }))
      .toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  }

  async function obtainCode() {
    const { url, codeVerifier } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const callback = await signInAndConsent(new HttpBrowser(servers[0].issuer), url, user);
    return { code: callback.searchParams.get('code')!, codeVerifier };
  }

  it(`lets one of ${PARALLEL} parallel code redemptions win`, async () => {
    const { code, codeVerifier } = await obtainCode();
    const results = await Promise.all(Array.from({ length: PARALLEL }, (_, index) => tokenRequest(issuerFor(index), {
      grant_type: 'authorization_code', code, code_verifier: codeVerifier, redirect_uri: REDIRECT_URI,
    })));
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    const losers = results.filter((result) => result.status !== 200);
    expect(losers).toHaveLength(PARALLEL - 1);
    for (const loser of losers) expect(loser).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    await expectWinnerRevoked(results.find((result) => result.status === 200)!);
  });

  it(`lets one of ${PARALLEL} parallel refresh token rotations win`, async () => {
    const { code, codeVerifier } = await obtainCode();
    const issued = await tokenRequest(issuerFor(0), { grant_type: 'authorization_code', code, code_verifier: codeVerifier, redirect_uri: REDIRECT_URI });
    expect(issued.status).toBe(200);
    const results = await Promise.all(Array.from({ length: PARALLEL }, (_, index) => tokenRequest(issuerFor(index), {
      grant_type: 'refresh_token', refresh_token: issued.body.refresh_token,
    })));
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    for (const loser of results.filter((result) => result.status !== 200)) {
      expect(loser).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    }
    await expectWinnerRevoked(results.find((result) => result.status === 200)!);
  });

  // Which path a loser takes depends on timing: it either finds the token
  // already consumed (oidc-provider revokes) or loses the consume itself
  // (AlreadyConsumedError, our listener revokes). Holding the row lock until
  // both requests wait on it forces the second path every time.
  it('revokes the winner\'s tokens when the loser lost the consume itself', async () => {
    const { code, codeVerifier } = await obtainCode();
    const issued = await tokenRequest(issuerFor(0), { grant_type: 'authorization_code', code, code_verifier: codeVerifier, redirect_uri: REDIRECT_URI });
    expect(issued.status).toBe(200);
    const { db } = servers[0]!.stores.handle;
    let racing!: Promise<Array<{ status: number; body: Record<string, string> }>>;
    await db.transaction().execute(async (trx) => {
      await sql`select id from oidc_refresh_tokens where id = ${hashId(issued.body.refresh_token!)} for update`.execute(trx);
      const { rows: [holder] } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      racing = Promise.all([0, 1].map((index) => tokenRequest(issuerFor(index), { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token! })));
      await waitFor('both refreshes to wait on the consume', async () => {
        // The first waits on our lock, the second queues behind the first.
        const { rows: [waiting] } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity a
          where ${holder!.pid}::int = any(pg_blocking_pids(a.pid))
             or exists (select 1 from pg_stat_activity b where ${holder!.pid}::int = any(pg_blocking_pids(b.pid)) and b.pid = any(pg_blocking_pids(a.pid)))`.execute(db);
        return waiting!.n === 2;
      });
    });
    const results = await racing;
    expect(results.map((result) => result.status).sort()).toEqual([200, 400]);
    expect(results.find((result) => result.status === 400)).toMatchObject({ body: { error: 'invalid_grant' } });
    await expectWinnerRevoked(results.find((result) => result.status === 200)!);
    expect(await userinfoStatus(issued.body.access_token!)).toBe(401);
  });
});
