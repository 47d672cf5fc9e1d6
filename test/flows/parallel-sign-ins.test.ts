import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import type { StoreKind } from '../support/test-stores.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, completeInteractions, discover, signInAndConsent } from '../support/oidc-flow.js';

const REDIRECT_URI = 'https://tabs.example.com/callback';
const SECRET = 'a-very-long-client-secret-for-the-tabs-app-0123456789';
const user = { username: 'tabs@example.com', password: 'correct horse battery' };
const ROUNDS = 8;
const PARALLEL = 6;

// Several tabs, or an SPA's silent renew, start authorizations at once on the
// session cookie a sign-in has just set: the first saves of that fresh session
// race each other.
describe.each<StoreKind>(['postgres+redis', 'pglite'])('parallel authorizations on one fresh session (%s)', (kind) => {
  let server: TestServer;
  let config: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer(`parallel_sign_ins_${kind.replace('+', '_')}`, { kind });
    await server.app.accounts.createUser(user);
    await addTestClient(server.stores, {
      client_id: 'tabs-app', client_secret: SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'], response_types: ['code'], client_name: 'Tabs',
    });
    config = await discover(server.issuer, 'tabs-app', SECRET);
  });
  afterAll(async () => { await server.close(); });

  async function oneFlow(browser: HttpBrowser) {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI });
    const start = await browser.follow(url.toString());
    // Signed in already: /auth may send the browser straight back to the app.
    const result = new URL(start.url).origin === server.issuer ? await completeInteractions(browser, start, user) : { url: new URL(start.url), status: start.response.status };
    if ('html' in result && result.html !== undefined) return { status: result.status, page: result.html.slice(0, 300) };
    const tokens = await oidc.authorizationCodeGrant(config, result.url, { pkceCodeVerifier: codeVerifier, expectedState: state });
    return { status: 200, idToken: tokens.id_token };
  }

  async function rounds() {
    const outcomes: Array<{ status: number; page?: string; idToken?: string }> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const browser = new HttpBrowser(server.issuer);
      const { url } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI });
      await signInAndConsent(browser, url, user);
      outcomes.push(...await Promise.all(Array.from({ length: PARALLEL }, () => oneFlow(browser))));
    }
    return outcomes;
  }

  it(`gives every one of ${ROUNDS} × ${PARALLEL} parallel flows its code, right after sign-in`, async () => {
    const outcomes = await rounds();
    expect(outcomes.filter((outcome) => outcome.status >= 500)).toEqual([]);
    expect(outcomes.filter((outcome) => !outcome.idToken)).toEqual([]);
    expect(outcomes).toHaveLength(ROUNDS * PARALLEL);
  });
});
