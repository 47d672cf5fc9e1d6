import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';

const METRICS_TOKEN = 'metrics-token-0123456789-0123456789-abcdef';
const SERVICE_SECRET = 'service-secret-0123456789-0123456789-abcdef';
const WEB_SECRET = 'web-app-secret-0123456789-0123456789-abcdef';
const REDIRECT_URI = 'https://app.example.com/callback';
const user = { username: 'grace@example.com', password: 'correct horse battery' };

async function scrape(server: TestServer, token = METRICS_TOKEN): Promise<Response> {
  return fetch(`${server.issuer}/metrics`, { headers: { authorization: `Bearer ${token}` } });
}

/** The value of one series (exact label set, in registration order) or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((row) => row.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus metrics', () => {
  let server: TestServer;
  let second: TestServer;
  let unprotected: TestServer;

  beforeAll(async () => {
    server = await startTestServer('metrics', { env: { METRICS_TOKEN } });
    second = await startTestServer('metrics_second', { stores: server.stores, env: { METRICS_TOKEN } });
    unprotected = await startTestServer('metrics_off', { kind: 'postgres' });
    await server.app.accounts.createUser({ ...user, name: 'Grace Hopper', email: user.username });
    await addTestClient(server.stores, { client_id: 'service', client_secret: SERVICE_SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    await addTestClient(server.stores, {
      client_id: 'web-app', client_secret: WEB_SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    });
  });
  afterAll(async () => {
    await second.close({ keepStores: true });
    await server.close();
    await unprotected.close();
  });

  it('is not served at all without METRICS_TOKEN or METRICS_PORT', async () => {
    const response = await fetch(`${unprotected.issuer}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('oidc_http_requests_total');
  });

  it('requires the bearer token (RFC 6750 challenge) when METRICS_TOKEN is set', async () => {
    const missing = await fetch(`${server.issuer}/metrics`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    const wrong = await scrape(server, 'wrong-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const ok = await scrape(server);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
  });

  it('counts requests per route name or pattern and status, tokens per grant type, adapter latency per store and pool usage', async () => {
    const config = await discover(server.issuer, 'service', SERVICE_SECRET);
    await oidc.clientCredentialsGrant(config);
    await oidc.clientCredentialsGrant(config);
    await fetch(`${server.issuer}/interaction/some-unknown-uid`);
    await fetch(`${server.issuer}/no/such/path/123`);

    const text = await (await scrape(server)).text();
    expect(sample(text, 'oidc_http_requests_total{method="GET",route="discovery",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'oidc_http_requests_total{method="POST",route="token",status="200"}')).toBe(2);
    expect(sample(text, 'oidc_tokens_issued_total{grant_type="client_credentials"}')).toBe(2);
    expect(text).toMatch(/oidc_http_requests_total\{method="GET",route="\/interaction\/:uid",status="\d+"\}/);
    expect(sample(text, 'oidc_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    // Never a raw path with an id as a label value.
    expect(text).not.toContain('some-unknown-uid');
    expect(text).not.toContain('/no/such/path');
    expect(text).toMatch(/oidc_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="token",status="200"\}/);
    expect(text).toMatch(/oidc_adapter_operation_duration_seconds_count\{model="ClientCredentials",store="sql",operation="upsert",outcome="ok"\} 2/);
    expect(text).toMatch(/oidc_adapter_operation_duration_seconds_count\{model="Client",store="sql",operation="find",outcome="ok"\} \d+/);
    expect(sample(text, 'oidc_db_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('oidc_db_pool_waiting_requests');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('counts login failures and refresh token reuse', async () => {
    const config = await discover(server.issuer, 'web-app', WEB_SECRET);
    const { url: failing } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI });
    const browser = new HttpBrowser(server.issuer);
    const page = await browser.follow(failing.toString());
    const form = readForm(await page.response.text(), /\/login$/);
    const refused = await browser.follow(form.action, { form: { ...form.fields, username: user.username, password: 'wrong password' } });
    expect(refused.response.status).toBe(401);

    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    const text = await (await scrape(server)).text();
    expect(sample(text, 'oidc_login_failures_total')).toBe(1);
    expect(sample(text, 'oidc_refresh_token_reuse_total')).toBe(1);
    expect(sample(text, 'oidc_tokens_issued_total{grant_type="authorization_code"}')).toBe(1);
    expect(sample(text, 'oidc_tokens_issued_total{grant_type="refresh_token"}')).toBe(1);
    expect(sample(text, 'oidc_http_requests_total{method="POST",route="/interaction/:uid/login",status="401"}')).toBe(1);
  });

  it('keeps one registry per app: a second app in the same process counts only its own requests', async () => {
    server.app.metrics.rateLimitRejections.inc({ limiter: 'token_per_ip' });
    const text = await (await scrape(second)).text();
    expect(sample(text, 'oidc_tokens_issued_total{grant_type="client_credentials"}')).toBeUndefined();
    expect(text).not.toContain('oidc_rate_limit_rejections_total{limiter="token_per_ip"}');
    expect(sample(await (await scrape(server)).text(), 'oidc_rate_limit_rejections_total{limiter="token_per_ip"}')).toBe(1);
  });
});
