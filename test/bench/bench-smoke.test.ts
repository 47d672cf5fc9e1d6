import { basicAuth, BENCH_USER, benchClients, SERVICE_CLIENT } from '../../bench/bench-fixtures.js';
import { clientCredentialsToken, mintCodes, mintDeviceCodes, signIn } from '../../bench/mint-credentials.js';
import { unreachableRateLimits } from '../../bench/prepare-stores.js';
import { runScenario } from '../../bench/run-scenario.js';
import { scenarioRequest, type ServerFixtures } from '../../bench/scenarios.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// The benchmark's building blocks (minting through the real pages, the
// autocannon runner, the per-request hooks) against one server, each run a
// fixed number of requests (never "for a second": a busy machine would answer
// fewer). No timing is asserted: only that every answer is correct.
describe('bench harness', () => {
  let server: TestServer;
  let fixtures: ServerFixtures;
  let sessions: Awaited<ReturnType<typeof signIn>>['sessions'];
  const run = (name: Parameters<typeof scenarioRequest>[0], connections = 4, amount = 20) =>
    runScenario(scenarioRequest(name, fixtures), { url: server.issuer, connections, amount });

  beforeAll(async () => {
    server = await startTestServer('bench_smoke', { env: unreachableRateLimits() });
    await server.app.accounts.createUser({ ...BENCH_USER, email: BENCH_USER.username });
    for (const client of benchClients()) await addTestClient(server.stores, client);
    const signedIn = await signIn(server.issuer, 2);
    sessions = signedIn.sessions;
    fixtures = {
      clientCredentialsToken: await clientCredentialsToken(server.issuer),
      userAccessToken: signedIn.accessToken,
      refreshTokens: signedIn.refreshTokens,
      codes: [],
      deviceCodes: await mintDeviceCodes(server.issuer, 2),
    };
  });
  afterAll(async () => { await server.close(); });

  it('measures client credentials with hashed secrets: requests answered, zero errors', async () => {
    const result = await run('client_credentials');
    expect(result.requests).toBe(20);
    expect(result).toMatchObject({ errors: 0 });
    expect(result.p99).toBeGreaterThanOrEqual(result.p50);
  });

  it('feeds every request a fresh refresh token and uses each rotated one once', async () => {
    // Two tokens, one connection: a token sent twice would answer invalid_grant.
    const result = await run('refresh_rotation', 1, 6);
    expect(result.requests).toBe(6);
    expect(result.errors).toBe(0);
    // The answer in flight when the run stops is dropped with its rotated token.
    expect(fixtures.refreshTokens.length).toBeGreaterThanOrEqual(1);
  });

  it('redeems codes minted ahead and stops cleanly when the pool runs dry', async () => {
    fixtures.codes = await mintCodes(server.issuer, sessions, 20, 4);
    // More requests than codes: the run ends when the pool runs dry, not at the count.
    const result = await run('code_redemption', 4, 200);
    // Every code was taken and none answered an error; how many answers the
    // runner counted before it stopped depends on what was in flight then.
    expect(fixtures.codes).toHaveLength(0);
    expect(result.errors).toBe(0);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.requests).toBeLessThanOrEqual(20);
  });

  it('polls device codes (authorization_pending or slow_down) and introspects, without errors', async () => {
    for (const name of ['device_polling', 'introspection'] as const) {
      const result = await run(name);
      expect(result.requests).toBe(20);
      expect(result.errors).toBe(0);
    }
  });

  it('counts a wrong answer as an error', async () => {
    const result = await runScenario({
      method: 'POST', path: '/token', body: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth({ id: SERVICE_CLIENT.id, secret: 'wrong-secret' }) },
      check: (status) => status === 200,
    }, { url: server.issuer, connections: 1, amount: 5 });
    expect(result.errors).toBe(result.requests);
    expect(result.firstError).toContain('invalid_client');
  });
});
