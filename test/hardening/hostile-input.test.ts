import { rawHttp } from '../support/raw-http.js';
import { MODEL_TABLES } from '../../src/db/schema.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'hostile-client-secret-0123456789-0123456789-0';
const REDIRECT_URI = 'https://hostile.example.com/cb';
const FORM = 'application/x-www-form-urlencoded';
const HUGE = 'A'.repeat(200_000);
const BAD_JWT = 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.';
const GARBAGE_JWT = 'not.a.jwt';
// Standard error codes: RFC 6749 §4.1.2.1/§5.2, RFC 6750 §3.1, RFC 7591 §3.2.2, RFC 9449 §12, RFC 9126, OIDC Core §3.1.2.6.
const STANDARD_ERRORS = new Set([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope',
  'unsupported_response_type', 'access_denied', 'temporarily_unavailable', 'invalid_token', 'insufficient_scope',
  'invalid_client_metadata', 'invalid_redirect_uri', 'invalid_dpop_proof', 'use_dpop_nonce', 'invalid_request_object',
  'invalid_request_uri', 'request_not_supported', 'request_uri_not_supported', 'invalid_target', 'login_required',
  'consent_required', 'interaction_required', 'unsupported_token_type', 'invalid_csrf_token', 'not_found',
]);

interface Probe { name: string; method: string; path: string; headers?: Record<string, string>; body?: string }

const ENDPOINTS = ['/.well-known/openid-configuration', '/jwks', '/auth', '/token', '/token/introspection', '/token/revocation',
  '/me', '/device/auth', '/device', '/reg', '/request', '/session/end', '/interaction/unknown-uid', '/interaction/unknown-uid/login',
  '/interaction/unknown-uid/confirm', '/interaction-assets/style.css', '/account', '/api/me', '/healthz', '/readyz'];

function corpus(): Probe[] {
  const basic = `Basic ${Buffer.from(`hostile:${SECRET}`).toString('base64')}`;
  const probes: Probe[] = [];
  for (const path of ENDPOINTS) {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'POST', 'GET']) probes.push({ name: `${method} ${path}`, method, path });
    probes.push({ name: `bad percent-encoding ${path}`, method: 'GET', path: `${path}?client_id=%ZZ&x=%E0%A4%A` });
    probes.push({ name: `invalid UTF-8 ${path}`, method: 'GET', path: `${path}?client_id=%C3%28&state=%FF%FE` });
    probes.push({ name: `duplicate params ${path}`, method: 'GET', path: `${path}?client_id=hostile&client_id=other&response_type=code&response_type=token` });
    probes.push({ name: `huge query ${path}`, method: 'GET', path: `${path}?client_id=${'x'.repeat(6000)}` });
    probes.push({ name: `form body with bad encoding ${path}`, method: 'POST', path, headers: { 'content-type': FORM }, body: 'grant_type=%ZZ&client_id=%C3%28&token=%FF' });
    probes.push({ name: `JSON where a form is expected ${path}`, method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials","__proto__":{"x":1}}' });
    probes.push({ name: `broken JSON ${path}`, method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '{"redirect_uris":[' });
    probes.push({ name: `huge form value ${path}`, method: 'POST', path, headers: { 'content-type': FORM }, body: `token=${HUGE}&client_id=hostile` });
    probes.push({ name: `unknown params ${path}`, method: 'POST', path, headers: { 'content-type': FORM, authorization: basic }, body: 'foo=bar&__proto__=x&constructor=y&grant_type=client_credentials&grant_type=refresh_token' });
    probes.push({ name: `invalid DPoP header ${path}`, method: 'POST', path, headers: { 'content-type': FORM, authorization: basic, dpop: GARBAGE_JWT }, body: 'grant_type=client_credentials' });
    probes.push({ name: `bearer garbage ${path}`, method: 'GET', path, headers: { authorization: `Bearer ${BAD_JWT}`, dpop: BAD_JWT } });
  }
  probes.push(
    { name: 'form where JSON is expected (registration)', method: 'POST', path: '/reg', headers: { 'content-type': FORM }, body: 'redirect_uris=https://x.example/cb' },
    { name: 'invalid client_assertion', method: 'POST', path: '/token', headers: { 'content-type': FORM }, body: `grant_type=client_credentials&client_id=hostile&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${GARBAGE_JWT}` },
    { name: 'alg none client_assertion', method: 'POST', path: '/token', headers: { 'content-type': FORM }, body: `grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${BAD_JWT}` },
    { name: 'invalid request object at /auth', method: 'GET', path: `/auth?client_id=hostile&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&request=${GARBAGE_JWT}` },
    { name: 'unsigned request object at /auth', method: 'GET', path: `/auth?client_id=hostile&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&request=${BAD_JWT}` },
    { name: 'invalid request object at PAR', method: 'POST', path: '/request', headers: { 'content-type': FORM, authorization: basic }, body: `request=${GARBAGE_JWT}` },
    { name: 'garbage request_uri', method: 'GET', path: '/auth?client_id=hostile&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A..%2F..%2F' },
    { name: 'CR/LF in redirect_uri and state', method: 'GET', path: `/auth?client_id=hostile&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${REDIRECT_URI}\r\nSet-Cookie: evil=1`)}&state=%0d%0aSet-Cookie:%20evil=1` },
    { name: 'CR/LF in state with a valid redirect', method: 'GET', path: `/auth?client_id=hostile&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=%0d%0aSet-Cookie:%20evil=1` },
    { name: 'path traversal', method: 'GET', path: '/interaction-assets/../../package.json' },
    { name: 'encoded path traversal', method: 'GET', path: '/interaction-assets/%2e%2e/%2e%2e/package.json' },
    { name: 'encoded slash traversal', method: 'GET', path: '/interaction-assets/..%2f..%2fpackage.json' },
    { name: 'double-encoded traversal', method: 'GET', path: '/interaction-assets/%252e%252e%252fpackage.json' },
    { name: 'NUL in path', method: 'GET', path: '/interaction-assets/style.css%00.json' },
    { name: 'huge body', method: 'POST', path: '/token', headers: { 'content-type': FORM }, body: `grant_type=client_credentials&x=${'B'.repeat(3_000_000)}` },
    { name: 'huge registration', method: 'POST', path: '/reg', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: Array(20_000).fill('https://x.example/cb') }) },
  );
  return probes;
}

describe('hostile input against every public endpoint', () => {
  let server: TestServer;
  let before: Record<string, number>;
  const durable = ['users', 'clients', 'scopes', 'signing_keys', 'server_secrets', 'oidc_grants', 'oidc_sessions', 'oidc_access_tokens',
    'oidc_refresh_tokens', 'oidc_client_credentials', 'oidc_registration_access_tokens'] as const;

  async function rowCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of durable) {
      let query = server.stores.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
      // Sessions of a signed-in person; anonymous ones are checked below.
      if (table === 'oidc_sessions') query = query.where('account_id', 'is not', null);
      const { n } = await query.executeTakeFirstOrThrow();
      counts[table] = Number(n);
    }
    return counts;
  }

  beforeAll(async () => {
    // Registration on (with a token nobody sends) so its endpoint is exercised; the limits stay out of the way.
    server = await startTestServer('hostile_input', { env: { REGISTRATION_TOKEN: 'hostile-initial-access-token-0123456789-0123', RATE_LIMIT_TOKEN_PER_IP: '100000', RATE_LIMIT_REGISTRATION_PER_IP: '100000', RATE_LIMIT_INTROSPECTION_PER_IP: '100000', RATE_LIMIT_DEVICE_AUTHORIZATION_PER_IP: '100000' } });
    await addTestClient(server.stores, { client_id: 'hostile', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'client_credentials'], response_types: ['code'] });
    expect(Object.values(MODEL_TABLES)).toEqual(expect.arrayContaining(durable.filter((table) => table.startsWith('oidc_'))));
    before = await rowCounts();
  });
  afterAll(async () => { await server.close(); });

  it('answers every malformed request with a 4xx (or a harmless 2xx/3xx), standard error codes and no stack trace', async () => {
    const failures: string[] = [];
    for (const probe of corpus()) {
      const response = await fetch(`${server.issuer}${probe.path}`, {
        method: probe.method, headers: probe.headers, body: probe.method === 'GET' ? undefined : probe.body, redirect: 'manual',
      }).catch((err: unknown) => ({ status: -1, text: async () => String(err), headers: new Headers() }) as unknown as Response);
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      if (response.status >= 500 || response.status < 0) failures.push(`${probe.name}: ${response.status} ${text.slice(0, 200)}`);
      if (/\bat [\w.<>]+ \(.*:\d+:\d+\)|node_modules\//.test(text)) failures.push(`${probe.name}: stack trace in body`);
      if (type.includes('json') && response.status >= 400) {
        const error = (JSON.parse(text) as { error?: string }).error;
        // RFC 6750 §3.1: a request without credentials gets a challenge and no error code.
        const bareChallenge = error === undefined && response.status === 401 && response.headers.has('www-authenticate');
        if (!bareChallenge && (!error || !STANDARD_ERRORS.has(error))) failures.push(`${probe.name}: non-standard error ${error}`);
      }
      if (/set-cookie:\s*evil/i.test([...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n'))) failures.push(`${probe.name}: header injected`);
      if (/"devDependencies"/.test(text)) failures.push(`${probe.name}: served package.json`);
    }
    expect(failures).toEqual([]);
  });

  it('refuses raw requests that fetch would not send: CR/LF and invalid UTF-8 in headers and paths', async () => {
    const port = Number(new URL(server.issuer).port);
    const requests: Array<string | Buffer> = [
      'GET /.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Test: a\rInjected: b\r\nConnection: close\r\n\r\n',
      'GET /auth?state=a%0d%0aSet-Cookie:evil=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      Buffer.concat([Buffer.from('GET /interaction/'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')]),
      Buffer.concat([Buffer.from('POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: Basic '),
        Buffer.from([0xff, 0xfe, 0x00]), Buffer.from('\r\nContent-Length: 29\r\nConnection: close\r\n\r\ngrant_type=client_credentials')]),
      'GET /interaction-assets/../../package.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      'POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\nContent-Length: 50\r\nConnection: close\r\n\r\nhello',
      'POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\nConnection: close\r\n\r\n0\r\n\r\n',
    ];
    for (const request of requests) {
      const response = await rawHttp(port, request);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
      expect({ request: request.toString().slice(0, 60), status: status < 500 }).toEqual({ request: request.toString().slice(0, 60), status: true });
      expect(response).not.toMatch(/^Set-Cookie:\s*evil/im);
      expect(response).not.toContain('"devDependencies"');
    }
  });

  it('keeps serving, and no durable table changed', async () => {
    expect((await fetch(`${server.issuer}/readyz`)).status).toBe(200);
    const token = await fetch(`${server.issuer}/token`, {
      method: 'POST', headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from(`hostile:${SECRET}`).toString('base64')}` }, body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    const after = await rowCounts();
    // The one token just issued on purpose is the only difference.
    expect({ ...after, oidc_client_credentials: after.oidc_client_credentials - 1 }).toEqual(before);
    // The device and logout pages keep their form's xsrf secret in an anonymous
    // session (oidc-provider); such rows expire with the interaction TTL.
    const anonymous = await server.stores.handle.db.selectFrom('oidc_sessions')
      .select(['account_id', 'expires_at']).execute();
    const limit = Date.now() + (server.stores.config.ttl.interaction + 5) * 1000;
    expect(anonymous.length).toBeGreaterThan(0);
    for (const row of anonymous) {
      expect(row.account_id).toBeNull();
      expect(row.expires_at!.getTime()).toBeLessThan(limit);
    }
  });
});
