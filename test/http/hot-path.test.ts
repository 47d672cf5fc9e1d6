import { hotPathsOf } from '../../src/http/hot-path.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// src/http/hot-path.ts: the protocol endpoints skip the layers that never act
// on them; what every answer carries (request id, security headers) stays.
describe('layers on the protocol endpoints', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer('hot_path'); });
  afterAll(async () => { await server.close(); });

  it('knows the provider\'s own paths, both discovery documents included', () => {
    const hot = hotPathsOf(server.app.provider);
    expect([...hot.protocol]).toEqual(expect.arrayContaining([
      '/token', '/token/introspection', '/token/revocation', '/me', '/jwks', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server',
    ]));
    expect(hot.withoutProviderHooks.has('/token')).toBe(false);
    expect(hot.revocation).toBe('/token/revocation');
  });

  it('still gives every protocol answer its request id and security headers, and still routes the pages', async () => {
    for (const path of ['/.well-known/openid-configuration', '/jwks']) {
      const response = await fetch(`${server.issuer}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
    const start = await fetch(`${server.issuer}/`, { headers: { accept: 'text/html' } });
    expect(start.status).toBe(200);
    expect(await start.text()).toMatch(/<html/i);
    const unknown = await fetch(`${server.issuer}/no-such-page`, { headers: { accept: 'application/json' } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });
  });
});
