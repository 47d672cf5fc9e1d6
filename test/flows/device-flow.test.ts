import type { Redis } from 'ioredis';
import { hashId } from '../../adapters/storage-id.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { completeInteractions } from '../support/oidc-flow.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const user = { username: 'tv-owner', password: 'watching-password-1' };

describe('device authorization grant (RFC 8628)', () => {
  let server: TestServer;

  beforeAll(async () => {
    // An interval no test run can outlast between two back-to-back polls: an
    // early poll is early on any machine. "Waiting" is done in the store.
    server = await startTestServer('device_flow', { env: { DEVICE_POLL_INTERVAL: '60' } });
    await server.app.accounts.createUser(user);
    await addTestClient(server.stores, {
      client_id: 'tv-app', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT, 'refresh_token'], response_types: [], redirect_uris: [],
    });
  });
  afterAll(async () => { await server.close(); });

  async function post(path: string, form: Record<string, string>) {
    const response = await fetch(`${server.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    return { status: response.status, body: await response.json() as Record<string, string> };
  }
  const poll = (deviceCode: string) => post('/token', { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'tv-app' });

  /** As if the device had waited: its last poll moves `ms` into the past (adapters/redis-device-poll-tracker.ts). */
  async function waitedSinceLastPoll(deviceCode: string, ms: number): Promise<void> {
    const key = `${server.stores.config.redis.keyPrefix}DeviceCode:poll:${hashId(deviceCode)}`;
    expect(await (server.stores.redis as Redis).hincrby(key, 'last', -ms)).toBeGreaterThan(0);
  }

  async function approve(start: string, method: 'complete' | 'typed', typed?: string) {
    const browser = new HttpBrowser(server.issuer);
    let page = await browser.follow(start);
    if (method === 'typed') {
      const input = readForm(await page.response.text(), /\/device$/);
      page = await browser.follow(input.action, { form: { ...input.fields, user_code: typed! } });
    } else {
      // verification_uri_complete answers with an auto-submitting form carrying the code.
      const prefilled = readForm(await page.response.text(), /\/device$/);
      page = await browser.follow(prefilled.action, { form: prefilled.fields });
    }
    const confirmPage = await page.response.text();
    expect(confirmPage).toContain('tv-app');
    const confirm = readForm(confirmPage, /\/device$/);
    const next = await browser.follow(confirm.action, { form: confirm.fields });
    return completeInteractions(browser, next, user);
  }

  it('answers with an interval, slows down early pollers by 5 s each time, lets an on-time poll through, then issues tokens once', async () => {
    const authorization = await post('/device/auth', { client_id: 'tv-app', scope: 'openid offline_access' });
    expect(authorization.status).toBe(200);
    expect(authorization.body).toMatchObject({ interval: 60, verification_uri: `${server.issuer}/device` });
    const { device_code: deviceCode, verification_uri_complete: complete } = authorization.body;

    expect((await poll(deviceCode)).body.error).toBe('authorization_pending');
    // RFC 8628 §3.5: each early poll adds 5 s "for all subsequent requests".
    expect((await poll(deviceCode)).body).toMatchObject({ error: 'slow_down', error_description: expect.stringContaining('65 seconds') });
    expect((await poll(deviceCode)).body).toMatchObject({ error: 'slow_down', error_description: expect.stringContaining('70 seconds') });
    // Waiting the original 60 s is still too early for the grown interval ...
    await waitedSinceLastPoll(deviceCode, 60_000);
    expect((await poll(deviceCode)).body).toMatchObject({ error: 'slow_down', error_description: expect.stringContaining('75 seconds') });
    // ... waiting all of it is on time.
    await waitedSinceLastPoll(deviceCode, 75_000);
    expect((await poll(deviceCode)).body.error).toBe('authorization_pending');

    const done = await approve(complete, 'complete');
    expect(done.status).toBe(200);
    expect(done.html).toMatch(/success|signed in|you can close/i);

    const tokens = await poll(deviceCode);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: expect.any(String), access_token: expect.any(String), refresh_token: expect.any(String) });
    const again = await poll(deviceCode);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('accepts a typed code in lower case with spaces instead of the dash', async () => {
    const authorization = await post('/device/auth', { client_id: 'tv-app', scope: 'openid' });
    const typed = authorization.body.user_code.toLowerCase().replace('-', ' ');
    const done = await approve(`${server.issuer}/device`, 'typed', typed);
    expect(done.status).toBe(200);
    const tokens = await poll(authorization.body.device_code);
    expect(tokens.status).toBe(200);
  });

  it('refuses an unknown device code with invalid_grant', async () => {
    const response = await poll('not-a-real-device-code');
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
  });
});
