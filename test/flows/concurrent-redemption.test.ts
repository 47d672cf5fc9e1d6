import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';

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

  const issuerFor = (index: number) => servers[index % servers.length].issuer;

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
  });
});
