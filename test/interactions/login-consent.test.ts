import request from 'supertest';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// The pages inside the assembled app: real security headers, real stores.
const REDIRECT_URI = 'https://pages.example.com/cb';
const HOSTILE = '<img src=x onerror=alert(1)> Pages';
const user = { username: 'linus@example.com', password: 'linus-password-1', name: 'Linus' };
const PKCE = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };

type Agent = ReturnType<typeof request.agent>;

describe('login and consent pages in the assembled app', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('login_consent');
    await server.app.accounts.createUser(user);
    await addTestClient(server.stores, {
      client_id: 'pages-app', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT_URI], client_name: HOSTILE,
      logo_uri: 'https://pages.example.com/logo.png', post_logout_redirect_uris: [],
    });
  });
  afterAll(async () => { await server.close(); });

  /** GETs a path and follows same-origin redirects; returns the last response. */
  async function follow(agent: Agent, target: string, hops = 6) {
    const start = new URL(target, server.issuer);
    let response = await agent.get(`${start.pathname}${start.search}`).set('accept', 'text/html');
    for (let i = 0; i < hops && response.status >= 300 && response.status < 400; i += 1) {
      const location = new URL(response.headers.location as string, server.issuer);
      if (location.origin !== server.issuer) return response;
      response = await agent.get(`${location.pathname}${location.search}`).set('accept', 'text/html');
    }
    return response;
  }

  async function startLogin(agent: Agent, scope = 'openid profile email') {
    const query = new URLSearchParams({ client_id: 'pages-app', response_type: 'code', scope, redirect_uri: REDIRECT_URI, state: 's1', ...PKCE });
    const page = await follow(agent, `/auth?${query}`);
    const uid = /action="\/interaction\/([^/"]+)\/login"/.exec(page.text)?.[1];
    return { page, uid: uid!, csrf: csrfOf(page.text) };
  }

  /** The hidden CSRF field every form of ours carries (interactions/csrf.ts). */
  function csrfOf(html: string): string {
    return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  }

  it('serves the login page under the strict CSP, with no inline script or style', async () => {
    const { page, uid } = await startLogin(request.agent(server.issuer));
    expect(page.status).toBe(200);
    expect(uid).toBeDefined();
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toMatch(/style-src 'self'/);
    // Attribute values are escaped text; what matters is the markup around them.
    const markup = page.text.replace(/"[^"]*"/g, '""');
    expect(markup).not.toMatch(/<script|<style|<[^>]*\s(style|on\w+)=/i);
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt; Pages');
    expect(page.text).toContain('<img src="https://pages.example.com/logo.png"');

    const css = await request(server.issuer).get('/interaction-assets/style.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('re-renders login with 401 on a wrong password, then signs in, consents and returns a code', async () => {
    const agent = request.agent(server.issuer);
    const { uid, csrf } = await startLogin(agent);
    const wrong = await agent.post(`/interaction/${uid}/login`).type('form').send({ username: user.username, password: 'nope-nope-nope', _csrf: csrf });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Invalid username or password');

    const login = await agent.post(`/interaction/${uid}/login`).type('form').send({ username: 'LINUS@example.com', password: user.password, _csrf: csrf });
    expect(login.status).toBe(303);
    const consent = await follow(agent, login.headers.location as string);
    expect(consent.status).toBe(200);
    expect(consent.headers['cache-control']).toBe('no-store');
    expect(consent.text).toContain('See your name and username');
    expect(consent.text).toContain('See your email address');
    expect(consent.text).toContain('Signed in as <strong>linus@example.com</strong>');
    const consentUid = /action="\/interaction\/([^/"]+)\/confirm"/.exec(consent.text)?.[1];

    const confirmed = await agent.post(`/interaction/${consentUid}/confirm`).type('form').send({ _csrf: csrfOf(consent.text) });
    expect(confirmed.status).toBe(303);
    const callback = await follow(agent, confirmed.headers.location as string);
    const location = new URL(callback.headers.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('code')).toEqual(expect.any(String));
  });

  it('answers a form posted to the wrong step, and an unknown interaction, with readable pages', async () => {
    const agent = request.agent(server.issuer);
    const { uid, csrf } = await startLogin(agent);
    const wrongStep = await agent.post(`/interaction/${uid}/confirm`).set('accept', 'text/html').type('form').send({ _csrf: csrf });
    expect(wrongStep.status).toBe(400);
    expect(wrongStep.text).toContain('This step is not available');

    const unknown = await request(server.issuer).get('/interaction/not-a-real-uid').set('accept', 'text/html');
    expect(unknown.status).toBe(400);
    expect(unknown.headers['cache-control']).toBe('no-store');
    expect(unknown.text).toContain('This sign-in request has expired');
  });

  it('renders the provider error page and the logout pages with our layout', async () => {
    const error = await request(server.issuer).get('/auth?client_id=nobody&response_type=code').set('accept', 'text/html');
    expect(error.status).toBe(400);
    expect(error.text).toContain('<link rel="stylesheet" href="/interaction-assets/style.css">');
    expect(error.text).toContain('invalid_client');

    const agent = request.agent(server.issuer);
    const { uid, csrf } = await startLogin(agent, 'openid');
    const login = await agent.post(`/interaction/${uid}/login`).type('form').send({ username: user.username, password: user.password, _csrf: csrf });
    // Resuming the authorization is what creates the signed-in session.
    await follow(agent, login.headers.location as string);
    const logout = await agent.get('/session/end').set('accept', 'text/html');
    expect(logout.status).toBe(200);
    expect(logout.text).toMatch(/<button[^>]*name="logout" value="yes"[^>]*>Sign out<\/button>/);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(logout.text)?.[1];
    const confirmed = await agent.post('/session/end/confirm').type('form').send({ xsrf, logout: 'yes' });
    expect(confirmed.status).toBe(303);
    const done = await follow(agent, confirmed.headers.location as string);
    expect(done.status).toBe(200);
    expect(done.text).toContain('You are signed out');
  });
});
