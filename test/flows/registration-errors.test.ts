import { startTestServer, type TestServer } from '../support/test-server.js';

// Issue 16 item 10: RFC 7591 §3.2.2 names the codes a registration error
// uses; a body that is not a JSON object carries no valid client metadata.
const INITIAL_TOKEN = 'registration-errors-initial-token-0123456789';

describe('registration answers only RFC 7591 error codes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('registration_errors', { env: { REGISTRATION_TOKEN: INITIAL_TOKEN, RATE_LIMIT_REGISTRATION_PER_IP: '100000' } });
  });
  afterAll(async () => { await server.close(); });

  async function send(method: string, path: string, body: string, token = INITIAL_TOKEN, contentType = 'application/json') {
    const response = await fetch(`${server.issuer}${path}`, { method, headers: { 'content-type': contentType, authorization: `Bearer ${token}` }, body });
    return { status: response.status, body: await response.json() as { error?: string; error_description?: string } };
  }

  const NOT_AN_OBJECT: Array<[string, string]> = [
    ['malformed JSON', '{"redirect_uris": ['],
    ['an array', '[{"redirect_uris": ["https://app.example.com/cb"]}]'],
    ['a string', '"https://app.example.com/cb"'],
    ['a number', '42'],
    ['null', 'null'],
    ['an empty body', ''],
  ];

  it.each(NOT_AN_OBJECT)('POST /reg with %s is invalid_client_metadata', async (_label, body) => {
    expect(await send('POST', '/reg', body)).toMatchObject({ status: 400, body: { error: 'invalid_client_metadata' } });
  });

  it('POST /reg with a form body is invalid_client_metadata too', async () => {
    const result = await send('POST', '/reg', 'redirect_uris=https%3A%2F%2Fapp.example.com%2Fcb', INITIAL_TOKEN, 'application/x-www-form-urlencoded');
    expect(result).toMatchObject({ status: 400, body: { error: 'invalid_client_metadata' } });
  });

  it('PUT /reg/:id (RFC 7592 §2.2) with a body that is not an object is invalid_client_metadata', async () => {
    const created = await send('POST', '/reg', JSON.stringify({ redirect_uris: ['https://app.example.com/cb'] }));
    expect(created.status).toBe(201);
    const { client_id: clientId, registration_access_token: token } = created.body as unknown as { client_id: string; registration_access_token: string };
    for (const [label, body] of NOT_AN_OBJECT) {
      const result = await send('PUT', `/reg/${clientId}`, body, token);
      expect({ label, ...result }).toMatchObject({ label, status: 400, body: { error: 'invalid_client_metadata' } });
    }
  });

  it('keeps the other codes: invalid_token without the initial access token, invalid_redirect_uri for a bad redirect URI', async () => {
    expect(await send('POST', '/reg', '[]', 'wrong-token')).toMatchObject({ status: 400, body: { error: 'invalid_client_metadata' } });
    expect(await send('POST', '/reg', JSON.stringify({ redirect_uris: ['https://app.example.com/cb'] }), 'wrong-token')).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(await send('POST', '/reg', JSON.stringify({ redirect_uris: ['http://app.example.com/cb'] }))).toMatchObject({ status: 400, body: { error: 'invalid_redirect_uri' } });
  });
});
