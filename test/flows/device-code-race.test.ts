import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { completeInteractions } from '../support/oidc-flow.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const user = { username: 'tv-racer', password: 'racing-tv-password-1' };
const RACES = 10;
const POLLERS = 20;
// Token-endpoint limits off: this file makes 200 polls a minute from one address on purpose.
const env = { RATE_LIMIT_TOKEN_PER_CLIENT: '0', RATE_LIMIT_TOKEN_PER_IP: '0' };

/**
 * RFC 8628 §3.4-3.5: once the person approves, the device's next poll gets
 * the tokens. Pollers racing on one approved device code (a device retrying,
 * or two instances behind a balancer) must leave exactly one with tokens, and
 * those tokens must stay valid: a concurrent duplicate poll is not a replay.
 */
describe.each([
  ['one instance', 1],
  ['two instances sharing the stores', 2],
])('an approved device code polled concurrently on %s', (_label, instances) => {
  const servers: TestServer[] = [];
  let browser: HttpBrowser;

  beforeAll(async () => {
    const first = await startTestServer(`device_race_${instances}`, { env });
    servers.push(first);
    if (instances === 2) servers.push(await startTestServer('device_race_b', { stores: first.stores, env }));
    await first.app.accounts.createUser(user);
    await addTestClient(first.stores, {
      client_id: 'race-tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT, 'refresh_token'], response_types: [], redirect_uris: [],
    });
    browser = new HttpBrowser(first.issuer);
  });
  afterAll(async () => {
    for (const server of servers.slice(1)) await server.close({ keepStores: true });
    await servers[0]!.close();
  });

  const issuerFor = (index: number) => servers[index % servers.length]!.issuer;

  async function post(issuer: string, path: string, form: Record<string, string>) {
    const response = await fetch(`${issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    return { status: response.status, body: await response.json() as Record<string, string> };
  }

  /** Starts a device authorization and approves it in the browser, as the person at the TV would. */
  async function approvedDeviceCode(): Promise<string> {
    const authorization = await post(issuerFor(0), '/device/auth', { client_id: 'race-tv', scope: 'openid offline_access' });
    expect(authorization.status).toBe(200);
    const prefilled = await browser.follow(authorization.body.verification_uri_complete!);
    const submitted = readForm(await prefilled.response.text(), /\/device$/);
    const confirmPage = await browser.follow(submitted.action, { form: submitted.fields });
    const confirm = readForm(await confirmPage.response.text(), /\/device$/);
    const done = await completeInteractions(browser, await browser.follow(confirm.action, { form: confirm.fields }), user);
    expect(done.status).toBe(200);
    expect(done.html).toMatch(/success|signed in|you can close/i);
    return authorization.body.device_code!;
  }

  /** Whether the winner's tokens survived the losers: the access token works on every instance and the refresh token rotates. */
  async function stillValid(tokens: Record<string, string>): Promise<boolean> {
    for (let index = 0; index < servers.length; index += 1) {
      const userinfo = await fetch(`${issuerFor(index)}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      if (userinfo.status !== 200) return false;
    }
    const refreshed = await post(issuerFor(1), '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'race-tv' });
    return refreshed.status === 200;
  }

  it(`gives tokens to exactly one of ${POLLERS} pollers in each of ${RACES} races, and keeps them valid`, async () => {
    const successes: number[] = [];
    const valid: boolean[] = [];
    for (let race = 0; race < RACES; race += 1) {
      const deviceCode = await approvedDeviceCode();
      const results = await Promise.all(Array.from({ length: POLLERS }, (_, index) => post(issuerFor(index), '/token', {
        grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'race-tv',
      })));
      const winners = results.filter((result) => result.status === 200);
      successes.push(winners.length);
      for (const loser of results.filter((result) => result.status !== 200)) {
        expect(loser).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      }
      if (winners.length === 1) valid.push(await stillValid(winners[0]!.body));
    }
    // One line per run, so the figures can be read from the test output.
    process.stdout.write(`device code races (${servers.length} instance(s)): successes per race ${successes.join(',')}; winner's tokens valid ${valid.join(',')}\n`);
    expect(successes).toEqual(Array.from({ length: RACES }, () => 1));
    expect(valid).toEqual(Array.from({ length: RACES }, () => true));
  });

  it('answers a later poll of the spent device code with invalid_grant and revokes nothing', async () => {
    const deviceCode = await approvedDeviceCode();
    const first = await post(issuerFor(0), '/token', { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'race-tv' });
    expect(first.status).toBe(200);
    const again = await post(issuerFor(1), '/token', { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'race-tv' });
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const userinfo = await fetch(`${issuerFor(0)}/me`, { headers: { authorization: `Bearer ${first.body.access_token}` } });
    expect(userinfo.status).toBe(200);
  });
});
