import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'bad-input-secret-0123456789-0123456789-0123';

describe('bad input gets standard OAuth errors, never a 5xx', () => {
  let server: TestServer;
  const basic = `Basic ${Buffer.from(`robust:${SECRET}`).toString('base64')}`;

  beforeAll(async () => {
    server = await startTestServer('bad_input');
    await addTestClient(server.stores, {
      client_id: 'robust', client_secret: SECRET, redirect_uris: ['https://robust.example.com/cb'], grant_types: ['authorization_code', 'client_credentials'],
    });
  });
  afterAll(async () => { await server.close(); });

  async function token(body: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic, ...headers }, body,
    });
    return { status: response.status, body: await response.json().catch(() => ({})) as Record<string, string> };
  }

  it('rejects an oversized parameter', async () => {
    const result = await token(`grant_type=authorization_code&code=${'a'.repeat(100_000)}`);
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.status).toBeLessThan(500);
  });

  it('rejects a missing grant_type, a duplicated parameter and an unknown code', async () => {
    expect(await token('code=x')).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await token('grant_type=client_credentials&grant_type=client_credentials')).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await token('grant_type=authorization_code&code=unknown&redirect_uri=https%3A%2F%2Frobust.example.com%2Fcb&code_verifier=' + 'a'.repeat(43)))
      .toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('rejects JSON where a form is expected', async () => {
    const result = await token(JSON.stringify({ grant_type: 'client_credentials' }), { 'content-type': 'application/json' });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('invalid_request');
  });

  it('answers an unknown client at /auth with a readable page, not a redirect', async () => {
    const response = await fetch(`${server.issuer}/auth?client_id=nobody&response_type=code&redirect_uri=https%3A%2F%2Fx.example%2Fcb`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toMatch(/invalid_client/);
  });

  it('answers an unknown interaction with a readable error page', async () => {
    const response = await fetch(`${server.issuer}/interaction/does-not-exist`, { headers: { accept: 'text/html' } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await response.text()).not.toMatch(/at .*\.js:\d+/);
  });

  it('keeps answering health checks', async () => {
    const response = await fetch(`${server.issuer}/readyz`);
    expect(response.status).toBe(200);
  });
});
