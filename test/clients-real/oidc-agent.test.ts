import { jest } from '@jest/globals';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { completeInteractions } from '../support/oidc-flow.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { freeLoopbackPort, startOidcAgent, type OidcAgent } from './oidc-agent-harness.js';

// Debian's oidc-agent 4.2.6 (the standard command-line agent in research
// computing), driven through its own tools: `oidc-gen` registers a client
// dynamically (RFC 7591, with the initial access token passed by --at) and
// runs the device flow or the loopback code flow, `oidc-token` then gets
// access tokens from the agent, which refreshes them itself. oidc-agent
// talks plain http to the loopback issuer without any extra option.
// Needs the Debian packages oidc-agent and oidc-agent-cli.
const INITIAL_TOKEN = 'initial-access-token-real-oidc-agent-0123456789';
const user = { username: 'grace', password: 'grace-password-1' };
const SCOPE = '--scope=openid profile offline_access';

// Real processes talking to each other, on a loaded machine.

describe('oidc-agent: dynamic registration, device flow and loopback code flow', () => {
  let server: TestServer;
  let agent: OidcAgent;
  let userId: string;

  beforeAll(async () => {
    [server, agent] = await Promise.all([
      // oidc-gen polls at the interval the server asks for: 1 s keeps the test short.
      startTestServer('rp_oidc_agent', { env: { REGISTRATION_TOKEN: INITIAL_TOKEN, DEVICE_POLL_INTERVAL: '1' } }),
      startOidcAgent(),
    ]);
    userId = (await server.app.accounts.createUser({ ...user, email: 'grace@example.com' })).id;
  });
  afterAll(async () => {
    await agent?.stop();
    await server?.close();
  });

  /** The agent's access token for `account`, checked at userinfo: it must belong to the signed-in person. */
  async function tokenFromAgent(account: string, extra: string[] = []): Promise<string> {
    const { code, output } = await agent.token([...extra, account]);
    expect({ code, output }).toMatchObject({ code: 0 });
    const accessToken = output.trim();
    const userinfo = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ sub: userId, preferred_username: 'grace' });
    return accessToken;
  }

  it('registers itself and completes the device flow approved in a browser; oidc-token then gets and refreshes tokens', async () => {
    const gen = agent.gen(['device-acct', `--iss=${server.issuer}`, `--at=${INITIAL_TOKEN}`, '--flow=device', SCOPE]);
    const [, verificationUri, userCode] = await gen.waitFor(/visit:\s*(\S+)\s+And enter the code: (\S+)/);
    expect(verificationUri).toBe(`${server.issuer}/device`);

    // The person types the code at /device, confirms, signs in and allows.
    const browser = new HttpBrowser(server.issuer);
    const input = readForm(await (await browser.follow('/device')).response.text(), /\/device$/);
    const confirmPage = await browser.follow(input.action, { form: { ...input.fields, user_code: userCode } });
    const confirm = readForm(await confirmPage.response.text(), /\/device$/);
    const done = await completeInteractions(browser, await browser.follow(confirm.action, { form: confirm.fields }), user);
    expect(done.html).toContain("Device connected");

    const { code, output } = await gen.exited;
    expect({ code, output }).toMatchObject({ code: 0 });
    const first = await tokenFromAgent('device-acct');
    // --force-new: the agent uses its refresh token (client_secret_basic, as registered).
    const second = await tokenFromAgent('device-acct', ['--force-new']);
    expect(second).not.toBe(first);
  });

  it('registers itself with http://localhost redirects and completes the loopback code flow (RFC 8252 §7.3)', async () => {
    const port = await freeLoopbackPort();
    const gen = agent.gen(['code-acct', `--iss=${server.issuer}`, `--at=${INITIAL_TOKEN}`, '--flow=code', `--port=${port}`, SCOPE]);
    const [authorizationUrl] = await gen.waitFor(/http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/);
    const sent = new URL(authorizationUrl).searchParams;
    // oidc-agent accepts nothing but http://localhost:<port> for its own redirect, and sends PKCE.
    expect(sent.get('redirect_uri')).toBe(`http://localhost:${port}`);
    expect(sent.get('code_challenge_method')).toBe('S256');

    const browser = new HttpBrowser(server.issuer);
    const back = await completeInteractions(browser, await browser.follow(authorizationUrl), user);
    expect(back.html).toBeUndefined();
    expect(back.url.origin).toBe(`http://localhost:${port}`);
    // The browser lands on the agent's own small web server, which redeems the code.
    const landing = await fetch(back.url);
    expect(landing.status).toBe(200);

    const { code, output } = await gen.exited;
    expect({ code, output }).toMatchObject({ code: 0 });
    await tokenFromAgent('code-acct');
  });
});
