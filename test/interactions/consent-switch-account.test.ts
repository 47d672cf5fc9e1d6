import * as oidc from 'openid-client';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, completeInteractions, discover } from '../support/oidc-flow.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// The consent page says where the person goes back to, links to Connected
// apps, and "Not you?" signs the person out and starts the same request again.
const ada = { username: 'ada', password: 'ada-password-1' };
const bob = { username: 'bob', password: 'bob-password-1' };
const REDIRECT_URI = 'https://photos.example.com/cb';

describe('consent page: where you go back to, and "Not you?"', () => {
  let server: TestServer;
  let config: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer('consent_switch');
    await server.app.accounts.createUser(ada);
    await server.app.accounts.createUser(bob);
    await addTestClient(server.stores, {
      client_id: 'photos', client_name: 'Photo Book', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'], scope: 'openid profile',
    });
    config = await discover(server.issuer, 'photos');
  });
  afterAll(async () => { await server.close(); });

  async function loginAs(browser: HttpBrowser, page: string, credentials: { username: string; password: string }) {
    const form = readForm(page, /\/login$/);
    const landed = await browser.follow(form.action, { form: { ...form.fields, ...credentials } });
    return { url: landed.url, html: await landed.response.text() };
  }

  it('shows the return host, a Connected apps link and a "Not you?" link', async () => {
    const browser = new HttpBrowser(server.issuer);
    const { url } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile' });
    const consent = await loginAs(browser, await (await browser.follow(url.toString())).response.text(), ada);
    expect(consent.html).toContain('Signed in as <strong>ada</strong>');
    expect(consent.html).toMatch(/<a href="\/interaction\/[^/"]+\/switch-account">Not you\?<\/a>/);
    expect(consent.html).toContain('<a href="/account/connected">Connected apps</a>');
    expect(consent.html).toContain('you will be sent back to <strong>photos.example.com</strong>');
  });

  it('"Not you?" asks who is signing in, signs the first person out and finishes the same request for the second', async () => {
    const browser = new HttpBrowser(server.issuer);
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile' });
    const consent = await loginAs(browser, await (await browser.follow(url.toString())).response.text(), ada);
    const href = /href="(\/interaction\/[^/"]+\/switch-account)"/.exec(consent.html)![1]!;

    const switched = await browser.follow(href);
    const loginPage = await switched.response.text();
    expect(loginPage).toMatch(/action="[^"]*\/login"/);
    const afterLogin = await loginAs(browser, loginPage, bob);
    // oidc-provider ends ada's session with its own logout form (end_session_confirm, logout=yes).
    const logout = readForm(afterLogin.html, /\/session\/end\/confirm$/);
    expect(logout.fields.logout).toBe('yes');
    const resumed = await browser.follow(logout.action, { form: logout.fields });
    const done = await completeInteractions(browser, resumed, bob);
    expect(done.url.origin + done.url.pathname).toBe(REDIRECT_URI);

    const tokens = await oidc.authorizationCodeGrant(config, done.url, { pkceCodeVerifier: codeVerifier, expectedState: state });
    const bobId = (await server.app.accounts.findUserByUsername(bob.username))!.id;
    expect(tokens.claims()!.sub).toBe(bobId);
  });
});
