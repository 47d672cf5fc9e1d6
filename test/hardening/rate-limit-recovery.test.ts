import { createLimiter } from '../../src/redis/create-limiter.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// No test waits for a window to pass. A limit's end is its Redis keys ending:
// the tests check that each key carries an expiry no later than the announced
// Retry-After, then delete it through a limiter, which is what the expiry does,
// and check that no instance memory keeps refusing afterwards.
const SECRET = 'recovery-secret-0123456789-0123456789-012345';
const basic = (secret: string) => `Basic ${Buffer.from(`svc:${secret}`).toString('base64')}`;

describe('a rate limit lifts when its stored state ends', () => {
  let server: TestServer;
  let prefix: string;
  beforeAll(async () => {
    server = await startTestServer('rate_limit_recovery', {
      env: { TRUST_PROXY: 'true', RATE_LIMIT_WINDOW_SECONDS: '3600', RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_AND_IP: '2', RATE_LIMIT_INTROSPECTION_PER_IP: '2' },
    });
    prefix = server.stores.config.redis.keyPrefix;
    await addTestClient(server.stores, { client_id: 'svc', client_secret: SECRET, redirect_uris: [], grant_types: ['client_credentials'], response_types: [] });
  });
  afterAll(async () => { await server.close(); });

  const call = (path: string, ip: string, secret = SECRET, body = 'grant_type=client_credentials') => fetch(`${server.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(secret), 'x-forwarded-for': ip },
    body,
  });

  /** Milliseconds left on a Redis key; the key must exist and expire by itself. */
  async function ttlOf(key: string): Promise<number> {
    const ttl = await server.stores.redis!.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    return ttl;
  }

  it('lifts a block for failed client authentication when its key ends, on the instance that remembers it', async () => {
    const ip = '192.0.2.1';
    expect((await call('/token', ip, 'not-the-secret')).status).toBe(401);
    expect((await call('/token', ip, 'not-the-secret')).status).toBe(401);
    const refused = await call('/token', ip);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);

    const pair = `svc ${ip}`;
    expect(await ttlOf(`${prefix}rl:auth:block:client_ip:${pair}`)).toBeLessThanOrEqual(retryAfter * 1000);
    await ttlOf(`${prefix}rl:auth:fail:client_ip:${pair}`);
    // The block and the failure window end (as their expiry would end them).
    await createLimiter(server.stores.redis, { keyPrefix: `${prefix}rl:auth:block:client_ip`, points: 1, durationSeconds: 60 }).delete(pair);
    await createLimiter(server.stores.redis, { keyPrefix: `${prefix}rl:auth:fail:client_ip`, points: 1, durationSeconds: 60 }).delete(pair);

    expect((await call('/token', ip)).status).toBe(200);
    // Counting starts again from zero: one failure does not block.
    expect((await call('/token', ip, 'not-the-secret')).status).toBe(401);
    expect((await call('/token', ip)).status).toBe(200);
  });

  it('answers 429 over a request ceiling and 200 again once its window ends', async () => {
    const ip = '192.0.2.2';
    const introspect = () => call('/token/introspection', ip, SECRET, 'token=whatever');
    expect((await introspect()).status).toBe(200);
    expect((await introspect()).status).toBe(200);
    const refused = await introspect();
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(await ttlOf(`${prefix}rl:introspection:ip:${ip}`)).toBeLessThanOrEqual(retryAfter * 1000);

    await createLimiter(server.stores.redis, { keyPrefix: `${prefix}rl:introspection:ip`, points: 2, durationSeconds: 3600 }).delete(ip);
    expect((await introspect()).status).toBe(200);
  });
});
