import { HttpBrowser } from '../support/http-browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// The issuer URL is the first thing a new user opens: it must lead somewhere,
// and an address nothing answers gets the same styled error page as the rest.
describe('start page and error pages', () => {
  let server: TestServer;

  beforeAll(async () => { server = await startTestServer('start_page'); });
  afterAll(async () => { await server.close(); });

  const html = { accept: 'text/html' };

  it('serves a start page at / with the discovery URL, the account links and the next command', async () => {
    const response = await fetch(`${server.issuer}/`, { headers: html });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain(`${server.issuer}/.well-known/openid-configuration`);
    expect(page).toContain('href="/account"');
    expect(page).toContain('npm run cli -- clients demo');
    // Without BRAND_NAME the pages are named after the issuer's host, not "Sign in".
    expect(page).toContain(`<p class="brand-name">${new URL(server.issuer).host}</p>`);
    const head = await fetch(`${server.issuer}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('leaves out the next command in production', async () => {
    const production = await startTestServer('start_page_prod', { env: { NODE_ENV: 'production', COOKIE_KEYS: 'start-page-production-cookie-key-0123456789' } });
    try {
      const page = await (await fetch(`${production.issuer}/`, { headers: html })).text();
      expect(page).toContain('/.well-known/openid-configuration');
      expect(page).not.toContain('npm run cli');
    } finally {
      await production.close();
    }
  });

  it.each(['/nothing-here', '/account/nothing-here', '/interaction-assets/nope.css'])('answers %s with a styled 404 naming the request id', async (path) => {
    const response = await fetch(`${server.issuer}${path}`, { headers: { ...html, 'x-request-id': 'req-start-404' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('req-start-404');
    const page = await response.text();
    expect(page).toContain('<h1>Page not found</h1>');
    expect(page).toContain('rel="stylesheet"');
    expect(page).toContain('req-start-404');
    expect(page).toContain('href="/"');
  });

  it('answers a 404 to a non-browser in JSON', async () => {
    const response = await fetch(`${server.issuer}/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });

  it('shows the request id on the provider\'s error pages and on the interaction pages\' errors', async () => {
    const unknownClient = await fetch(`${server.issuer}/auth?client_id=nobody&response_type=code&scope=openid`, { headers: { ...html, 'x-request-id': 'req-unknown-client' } });
    expect(unknownClient.status).toBe(400);
    expect(await unknownClient.text()).toContain('req-unknown-client');

    const browser = new HttpBrowser(server.issuer);
    const expired = await browser.request('/interaction/no-such-interaction', { headers: { 'x-request-id': 'req-expired' } });
    expect(expired.status).toBeGreaterThanOrEqual(400);
    expect(await expired.text()).toContain('req-expired');
  });
});
