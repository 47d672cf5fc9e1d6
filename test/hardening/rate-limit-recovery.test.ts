import { setTimeout as sleep } from 'node:timers/promises';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'recovery-secret-0123456789-0123456789-012345';

describe('a rate limit lifts by itself when its window ends', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('rate_limit_recovery', { env: { RATE_LIMIT_WINDOW_SECONDS: '1', RATE_LIMIT_TOKEN_PER_IP: '2' } });
    await addTestClient(server.stores, { client_id: 'svc', client_secret: SECRET, redirect_uris: [], grant_types: ['client_credentials'], response_types: [] });
  });
  afterAll(async () => { await server.close(); });

  const token = () => fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`svc:${SECRET}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });

  it('answers 429 over the limit and 200 again after the window', async () => {
    expect((await token()).status).toBe(200);
    expect((await token()).status).toBe(200);
    const refused = await token();
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // The limit lives in Redis with a 1 s window; waiting it out is the behaviour under test.
    await sleep(retryAfter * 1000 + 100);
    expect((await token()).status).toBe(200);
  });
});
