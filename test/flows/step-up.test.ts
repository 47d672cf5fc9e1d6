import * as oidc from 'openid-client';
import { loadConfig } from '../../src/config/load-config.js';
import { Secret, TOTP } from 'otpauth';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, completeInteractions, discover } from '../support/oidc-flow.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Step-up through the interaction pages by form posts: a client defined with
// requireMfa, a client asking for the MFA class with acr_values or an
// essential acr claim, a role in MFA_REQUIRED_ROLES, max_age; and a client
// with none of these, which never sees the second-factor page.
const PASSWORD_ACR = 'https://refeds.org/profile/sfa';
const MFA_ACR = 'https://refeds.org/profile/mfa';
const REDIRECT_URI = 'https://rp.example.com/callback';
const SECRET = 'step-up-client-secret-0123456789-0123456789-0123';
const PASSWORD = 'step-up-password-1';
const client = (clientId: string, extra: Record<string, unknown> = {}) => ({
  clientId, name: clientId, type: 'confidential' as const, redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code' as const],
  scopes: ['openid', 'profile'], secretEnv: 'RP_SECRET', firstParty: true, ...extra,
});

type Page = { url: URL; html?: string; status: number };

describe('second factor as a prompt: requireMfa, acr_values, roles, max_age', () => {
  let server: TestServer;
  let plain: oidc.Configuration;
  let strict: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer('step_up', {
      env: { RP_SECRET: SECRET, MFA_REQUIRED_ROLES: 'staff' },
      clients: [client('plain-rp'), client('strict-rp', { requireMfa: true })],
    });
    await server.app.accounts.createUser({ username: 'lin', password: PASSWORD });
    await server.app.accounts.createUser({ username: 'kai', password: PASSWORD });
    await server.app.accounts.createUser({ username: 'sam', password: PASSWORD, role: 'staff' });
    [plain, strict] = await Promise.all([discover(server.issuer, 'plain-rp', SECRET), discover(server.issuer, 'strict-rp', SECRET)]);
  });
  afterAll(async () => { await server.close(); });

  async function start(browser: HttpBrowser, config: oidc.Configuration, username: string, params: Record<string, string> = {}) {
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, nonce: 'n', ...params });
    const started = await browser.follow(url.toString());
    // Straight back to the client (no page at all) when the session suffices.
    const page: Page = new URL(started.url).origin === new URL(server.issuer).origin
      ? await completeInteractions(browser, started, { username, password: PASSWORD })
      : { url: new URL(started.url), status: started.response.status };
    return { page, finish: (callback: URL) => oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: 'n' }) };
  }

  /** Posts a form of the page and drives whatever login/consent follows. */
  async function post(browser: HttpBrowser, page: Page, action: RegExp, fields: Record<string, string> = {}): Promise<Page> {
    const form = readForm(page.html!, action);
    return completeInteractions(browser, await browser.follow(form.action, { form: { ...form.fields, ...fields } }), { username: '', password: '' });
  }

  /** Enrols an authenticator app on the sign-in's enrolment page; returns the next page and the recovery codes shown. */
  async function enrolTotp(browser: HttpBrowser, page: Page): Promise<{ next: Page; codes: string[] }> {
    expect(page.html).toContain('Add a second step');
    const secret = /<code class="select-all">([A-Z2-7]+)<\/code>/.exec(page.html!)![1];
    const posted = await browser.follow(readForm(page.html!, /\/enrol\/totp$/).action, {
      form: { ...readForm(page.html!, /\/enrol\/totp$/).fields, code: TOTP.generate({ secret: Secret.fromBase32(secret) }) },
    });
    const html = await posted.response.text();
    expect(html).toContain('Your recovery codes');
    const codes = [...html.matchAll(/<li class="select-all">([a-z0-9-]+)<\/li>/g)].map((match) => match[1]);
    const continueHref = /<a class="button primary" href="([^"]+)"/.exec(html)![1].replace(/&amp;/g, '&');
    return { next: await completeInteractions(browser, await browser.follow(continueHref), { username: '', password: '' }), codes };
  }

  it('stops startup on a role MFA_REQUIRED_ROLES does not know, naming the variable', () => {
    expect(() => loadConfig({ MFA_REQUIRED_ROLES: 'staff,admin' })).toThrow(/MFA_REQUIRED_ROLES: must be a comma-separated list of roles/);
    expect(loadConfig({ MFA_REQUIRED_ROLES: ' staff , superuser' }).mfa.requiredRoles).toEqual(['staff', 'superuser']);
  });

  it('publishes both classes in acr_values_supported, and amr and acr in claims_supported', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, string[]>;
    expect(metadata.acr_values_supported).toEqual(expect.arrayContaining([PASSWORD_ACR, MFA_ACR]));
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['amr', 'acr']));
  });

  it('a client with neither requireMfa nor acr_values does not prompt a person without a factor', async () => {
    const browser = new HttpBrowser(server.issuer);
    // An IP-address issuer cannot run passkey ceremonies (WebAuthn §5.1.3): the login page does not offer them.
    const { url } = await buildAuthorization(plain, { redirect_uri: REDIRECT_URI });
    expect(await (await browser.follow(url.toString())).response.text()).not.toContain('data-passkey');
    const { page, finish } = await start(browser, plain, 'kai');
    expect(page.html).toBeUndefined();
    const claims = (await finish(page.url)).claims()!;
    expect(claims).toMatchObject({ amr: ['pwd'], acr: PASSWORD_ACR });
  });

  it('requireMfa leads a person without a factor to enrol, inside the existing session, and the ID token says so', async () => {
    const browser = new HttpBrowser(server.issuer);
    const first = await start(browser, plain, 'lin');
    expect((await first.finish(first.page.url)).claims()!.acr).toBe(PASSWORD_ACR);

    const { page, finish } = await start(browser, strict, 'lin');
    expect(page.html).not.toContain('Not now');
    const { next, codes } = await enrolTotp(browser, page);
    expect(codes).toHaveLength(10);
    const claims = (await finish(next.url)).claims()!;
    expect(claims).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: MFA_ACR });

    // Now the session holds two factors: neither client asks again.
    const again = await start(browser, plain, 'lin');
    expect(again.page.html).toBeUndefined();
    expect((await again.finish(again.page.url)).claims()!.acr).toBe(MFA_ACR);

    // max_age=0 (Core §3.1.2.1): the password again, then the second factor
    // again (a new password sign-in replaces the session's amr); auth_time is
    // the time of the last factor.
    const stepUp = await start(browser, strict, 'lin', { max_age: '0' });
    expect(stepUp.page.html).toContain('Code from your authenticator app');
    const beforeFactor = Math.floor(Date.now() / 1000);
    const done = await post(browser, stepUp.page, /\/recovery$/, { code: codes[0] });
    const refreshed = (await stepUp.finish(done.url)).claims()!;
    expect(refreshed).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: MFA_ACR });
    expect(refreshed.auth_time).toBeGreaterThanOrEqual(beforeFactor);
  });

  it('acr_values asks for the second factor inside a password session; voluntary, so "Not now" keeps the password class', async () => {
    const browser = new HttpBrowser(server.issuer);
    const first = await start(browser, plain, 'kai');
    await first.finish(first.page.url);

    const voluntary = await start(browser, plain, 'kai', { acr_values: MFA_ACR });
    expect(voluntary.page.html).toContain('Add a second step');
    const skipped = await post(browser, voluntary.page, /\/skip$/);
    expect((await voluntary.finish(skipped.url)).claims()!).toMatchObject({ amr: ['pwd'], acr: PASSWORD_ACR });

    // An essential acr claim (Core §5.5.1.1) cannot be skipped.
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: [MFA_ACR] } } });
    const essential = await start(browser, plain, 'kai', { claims });
    expect(essential.page.html).not.toContain('Not now');
    const tokens = await essential.finish((await enrolTotp(browser, essential.page)).next.url);
    expect(tokens.claims()!).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: MFA_ACR });
  });

  it('a role in MFA_REQUIRED_ROLES needs a second factor with any client', async () => {
    const browser = new HttpBrowser(server.issuer);
    const { page } = await start(browser, plain, 'sam');
    expect(page.html).toContain('Add a second step');
    expect(page.html).not.toContain('Not now');
  });
});
