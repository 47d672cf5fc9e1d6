import { jest } from '@jest/globals';
import * as oidc from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, completeInteractions, discover } from '../support/oidc-flow.js';
import { runCli } from '../support/run-cli.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const REDIRECT_URI = 'https://cli-mfa.example.com/cb';
const SECRET = 'cli-mfa-client-secret-0123456789-0123456789-01';
const PASSWORD = 'mo-password-1';

// Every CLI call is a real process (tsx compiles on start): slow on a loaded machine.

describe('users mfa list|reset, as a real process against the server\'s database', () => {
  let server: TestServer;
  let config: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer('cli_users_mfa', {
      env: { RP_SECRET: SECRET },
      clients: [{
        clientId: 'mfa-rp', name: 'MFA RP', type: 'confidential', redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code'],
        scopes: ['openid'], secretEnv: 'RP_SECRET', firstParty: true, requireMfa: true,
      }],
    });
    await server.app.accounts.createUser({ username: 'mo', password: PASSWORD });
    config = await discover(server.issuer, 'mfa-rp', SECRET);
  });
  afterAll(async () => { await server.close(); });

  const cli = (args: string[]) => runCli(server.stores, args);

  async function startSignIn(browser: HttpBrowser) {
    const { url } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI });
    return completeInteractions(browser, await browser.follow(url.toString()), { username: 'mo', password: PASSWORD });
  }

  it('lists the factors by name and date only, and reset removes them all and signs the person out', async () => {
    expect((await cli(['users', 'mfa', 'list', 'mo'])).stdout).toBe('no second factor\n');

    // Enrol an authenticator app where the client requires it.
    const browser = new HttpBrowser(server.issuer);
    const enrol = await startSignIn(browser);
    const secret = /<code class="select-all">([A-Z2-7]+)<\/code>/.exec(enrol.html!)![1];
    const form = readForm(enrol.html!, /\/enrol\/totp$/);
    const codes = await (await browser.follow(form.action, { form: { ...form.fields, code: TOTP.generate({ secret: Secret.fromBase32(secret) }) } })).response.text();
    const resume = /<a class="button primary" href="([^"]+)"/.exec(codes)![1].replace(/&amp;/g, '&');
    expect((await browser.follow(resume)).url).toContain(REDIRECT_URI);

    const listed = await cli(['users', 'mfa', 'list', 'mo']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^totp\tauthenticator app\tadded \d{4}-.*\tlast used \d{4}-/m);
    expect(listed.stdout).toMatch(/^recovery codes\t10 of 10 left\t/m);
    expect(listed.stdout).not.toContain(secret);

    const reset = await cli(['users', 'mfa', 'reset', 'mo']);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('removed 11 second-factor entries of mo; their sessions, grants and tokens are revoked');
    expect((await cli(['users', 'mfa', 'list', 'mo'])).stdout).toBe('no second factor\n');

    // Signed out: the same browser meets the login page again, then enrolment (no factor left).
    const { url } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI });
    const again = await (await browser.follow(url.toString())).response.text();
    expect(again).toMatch(/action="[^"]*\/login"/);
    expect((await startSignIn(new HttpBrowser(server.issuer))).html).toContain('Add a second step');

    const mo = (await server.app.accounts.findUserByUsername('mo'))!;
    const audit = await server.stores.handle.db.selectFrom('audit_events').select(['event', 'details']).where('event', '=', 'mfa.reset').execute();
    expect(audit).toEqual([{ event: 'mfa.reset', details: { user_id: mo.id, source: 'cli', removed: 11 } }]);
  });

  it('names an unknown user in one line', async () => {
    const result = await cli(['users', 'mfa', 'reset', 'nobody']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*nobody/);
  });
});
