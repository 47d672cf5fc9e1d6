import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/load-config.js';
import { TEST_REDIS_URL } from '../support/test-env.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'rate-limit-secret-0123456789-0123456789-0123';
const REGISTRATION_TOKEN = 'rate-limit-initial-access-token-0123456789-abcdef';
const basic = (id: string, secret = SECRET) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

interface Answer { status: number; retryAfter: string | null; body: Record<string, string> }

function poster(server: () => TestServer) {
  const post = async (path: string, body: string, headers: Record<string, string>): Promise<Answer> => {
    const response = await fetch(`${server().issuer}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body,
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json().catch(() => ({})) as Record<string, string> };
  };
  const clientCredentials = (client: string, ip: string, secret = SECRET) =>
    post('/token', 'grant_type=client_credentials', { authorization: basic(client, secret), 'x-forwarded-for': ip });
  return { post, clientCredentials };
}

const serviceClient = (client_id: string) => ({ client_id, client_secret: SECRET, redirect_uris: [], grant_types: ['client_credentials'], response_types: [] });

describe('default limits: busy clients are not throttled, attackers are', () => {
  let server: TestServer;
  let ipCounter = 0;
  /** A fresh client address per call (TRUST_PROXY is on), so only the limit under test can trip. */
  const freshIp = () => { ipCounter += 1; return `198.51.100.${ipCounter}`; };
  const { post, clientCredentials } = poster(() => server);

  beforeAll(async () => {
    // Every rate limit at its default, except the request window: long, so no count rolls over on a slow machine.
    server = await startTestServer('rate_limit', { env: { TRUST_PROXY: 'true', REGISTRATION_TOKEN, RATE_LIMIT_WINDOW_SECONDS: '3600' } });
    for (const id of ['busy', 'svc', 'victim', 'other']) await addTestClient(server.stores, serviceClient(id));
    await addTestClient(server.stores, {
      client_id: 'tv', token_endpoint_auth_method: 'none', redirect_uris: [], response_types: [],
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
    });
  });
  afterAll(async () => { await server.close(); });

  it('turns the request ceilings for token and introspection off, and the failure limits on, by default', () => {
    const { rateLimit } = loadConfig({});
    expect(rateLimit).toMatchObject({ tokenPerClient: 0, tokenPerIp: 0, introspectionPerClient: 0, introspectionPerIp: 0, deviceAuthorizationPerClient: 0 });
    expect(rateLimit.authFailuresPerClientAndIp).toBeGreaterThan(0);
    expect(rateLimit.authFailuresPerIp).toBeGreaterThan(0);
  });

  it('answers 500 client_credentials requests from one client and one address, 25 at a time, without a 429 and without a rate-limit command to Redis', async () => {
    const prefix = `${server.stores.config.redis.keyPrefix}rl:`;
    const monitor = new Redis(TEST_REDIS_URL);
    const seen: string[] = [];
    const feed = await monitor.monitor();
    const marker = `${prefix}end-of-batch-${Date.now()}`;
    const markerSeen = new Promise<void>((resolve) => {
      feed.on('monitor', (_time: string, args: string[]) => {
        if (args.some((arg) => arg === marker)) resolve();
        else if (args.some((arg) => typeof arg === 'string' && arg.startsWith(prefix))) seen.push(args.join(' '));
      });
    });
    const statuses = new Map<number, number>();
    try {
      for (let batch = 0; batch < 20; batch += 1) {
        const answers = await Promise.all(Array.from({ length: 25 }, () => clientCredentials('busy', '192.0.2.200')));
        for (const { status } of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      // MONITOR reports commands in the order Redis runs them: once the marker shows, every earlier one has.
      await server.stores.redis!.get(marker);
      await markerSeen;
    } finally {
      feed.disconnect();
      monitor.disconnect();
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 500 });
    expect(seen).toEqual([]);
  });

  it('blocks a client at one address after repeated wrong secrets, even with the right secret, but not from elsewhere', async () => {
    const statuses = [];
    for (let i = 0; i < 20; i += 1) statuses.push((await clientCredentials('svc', '192.0.2.30', 'not-the-secret')).status);
    const firstRefusal = statuses.indexOf(429);
    expect(firstRefusal).toBeGreaterThan(0);
    expect(statuses.slice(0, firstRefusal).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(firstRefusal).every((status) => status === 429)).toBe(true);

    const right = await clientCredentials('svc', '192.0.2.30');
    expect(right.status).toBe(429);
    expect(Number(right.retryAfter)).toBeGreaterThan(0);
    expect(right.body).toMatchObject({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/too many requests/) });
    // The same client from another address, and another client from this address, carry on.
    expect((await clientCredentials('svc', freshIp())).status).toBe(200);
    expect((await clientCredentials('other', '192.0.2.30')).status).toBe(200);
  });

  it('does not let someone who only names a client from other addresses block it', async () => {
    for (let i = 0; i < 6; i += 1) {
      const wrong = await clientCredentials('victim', freshIp(), 'not-the-secret');
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('invalid_client');
    }
    expect((await clientCredentials('victim', freshIp())).status).toBe(200);
  });

  it('blocks an address that fails authentication as many different clients', async () => {
    const statuses = new Set<number>();
    let failures = 0;
    // Unknown client ids: each pair fails once, only the address adds up (bounded by the default threshold).
    while (!statuses.has(429) && failures < 200) {
      statuses.add((await clientCredentials(`spray-${failures}`, '192.0.2.40', 'guess')).status);
      failures += 1;
    }
    expect(statuses).toEqual(new Set([401, 429]));
    expect(failures).toBe(loadConfig({}).rateLimit.authFailuresPerIp + 1);
    expect((await clientCredentials('other', '192.0.2.40')).status).toBe(429);
    expect((await clientCredentials('other', freshIp())).status).toBe(200);
  });

  it('limits a flood of device authorizations from one address (client_id in the form body)', async () => {
    const ip = freshIp();
    const { deviceAuthorizationPerIp } = loadConfig({}).rateLimit;
    for (let i = 0; i < deviceAuthorizationPerIp; i += 1) {
      const answer = await post('/device/auth', 'client_id=tv&scope=openid', { 'x-forwarded-for': ip });
      expect(answer.status).toBe(200);
    }
    const refused = await post('/device/auth', 'client_id=tv&scope=openid', { 'x-forwarded-for': ip });
    expect(refused).toMatchObject({ status: 429, body: { error: 'temporarily_unavailable' } });
    expect((await post('/device/auth', 'client_id=tv&scope=openid', { 'x-forwarded-for': freshIp() })).status).toBe(200);
  });

  it('limits a flood of dynamic registrations from one address', async () => {
    const ip = freshIp();
    const register = async () => {
      const response = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}`, 'x-forwarded-for': ip },
        body: JSON.stringify({ redirect_uris: ['https://registered.example.com/cb'], client_name: 'Registered' }),
      });
      return response.status;
    };
    const { registrationPerIp } = loadConfig({}).rateLimit;
    const statuses = [];
    for (let i = 0; i <= registrationPerIp; i += 1) statuses.push(await register());
    expect(statuses).toEqual([...Array(registrationPerIp).fill(201), 429]);
  });
});

describe('optional request ceilings on the token and introspection endpoints', () => {
  let server: TestServer;
  let ipCounter = 0;
  const freshIp = () => { ipCounter += 1; return `198.51.100.${ipCounter}`; };
  const { post, clientCredentials } = poster(() => server);

  beforeAll(async () => {
    server = await startTestServer('rate_limit_ceilings', {
      env: { TRUST_PROXY: 'true', RATE_LIMIT_WINDOW_SECONDS: '3600', RATE_LIMIT_TOKEN_PER_IP: '3', RATE_LIMIT_TOKEN_PER_CLIENT: '4', RATE_LIMIT_INTROSPECTION_PER_IP: '2' },
    });
    for (const id of ['svc', 'other']) await addTestClient(server.stores, serviceClient(id));
  });
  afterAll(async () => { await server.close(); });

  it('refuses the fourth token request from one address with 429, Retry-After and an OAuth error body', async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i += 1) expect((await clientCredentials('other', ip)).status).toBe(200);
    const refused = await clientCredentials('other', ip);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/too many requests/) });
    expect((await clientCredentials('other', freshIp())).status).toBe(200);
  });

  it('limits one client across addresses, counting only requests that authenticated', async () => {
    for (let i = 0; i < 3; i += 1) expect((await clientCredentials('svc', freshIp(), 'not-the-secret')).status).toBe(401);
    for (let i = 0; i < 4; i += 1) expect((await clientCredentials('svc', freshIp())).status).toBe(200);
    const refused = await clientCredentials('svc', freshIp());
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('temporarily_unavailable');
  });

  it('limits introspection per address', async () => {
    const ip = freshIp();
    const statuses = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await post('/token/introspection', 'token=whatever', { authorization: basic('other'), 'x-forwarded-for': ip })).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('client address without TRUST_PROXY', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('rate_limit_noproxy', { env: { RATE_LIMIT_AUTH_FAILURES_PER_IP: '2' } });
  });
  afterAll(async () => { await server.close(); });

  it('ignores X-Forwarded-For, so a client cannot dodge the per-address limit by inventing addresses', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `203.0.113.${i}` },
        body: 'grant_type=client_credentials&client_id=nobody',
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });
});
