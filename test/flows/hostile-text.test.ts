import { HttpBrowser, readForm } from '../support/http-browser.js';
import { rawHttp } from '../support/raw-http.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// Issue 16 item 7: every text the server accepts — query, form, JSON, path,
// headers — with a NUL, invalid UTF-8, control characters or an over-long
// value gets a 4xx with a readable answer (an HTML page for people, an OAuth
// error for protocol endpoints), never a 5xx and never a stack trace.

const SECRET = 'hostile-text-secret-0123456789-0123456789-01';
const REDIRECT_URI = 'https://hostile-text.example.com/cb';
const REGISTRATION_TOKEN = 'hostile-text-initial-access-token-0123456789';
const FORM = 'application/x-www-form-urlencoded';
const person = { username: 'hostile-text@example.com', password: 'hostile text password 1' };

/** Percent-encoded values for query strings and forms. */
const ENCODED: Record<string, string> = {
  'NUL': 'a%00b',
  'invalid UTF-8 C3 28': 'a%C3%28b',
  'invalid UTF-8 FF': '%FF%FE',
  'control characters': 'a%01b%1Bc%7F',
  'over-long': 'x'.repeat(6000),
};
/**
 * What must get exactly 400: in a path or query string, everything but the
 * over-long value (refused before any route); in a form, NUL and control
 * characters (invalid UTF-8 in a form decodes to replacement characters or
 * stays percent-encoded, both harmless text). Over-long values may also be
 * accepted, or answered 413/431.
 */
const QUERY_REFUSED = new Set(['NUL', 'invalid UTF-8 C3 28', 'invalid UTF-8 FF', 'control characters']);
const FORM_REFUSED = new Set(['NUL', 'control characters']);

/** JSON string values (invalid UTF-8 is sent as raw bytes separately). */
const JSON_VALUES: Record<string, string> = {
  'NUL': 'a\u0000b',
  'lone surrogate': 'a\ud800b',
  'control characters': 'a\u0001b\u001bc',
  'over-long': 'x'.repeat(20_000),
};

interface Answer { status: number; type: string; text: string }

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** What every answer must be: no 5xx, a readable body of the right shape, no stack trace. */
function problems(label: string, result: Answer, shape: 'html' | 'json' | 'any', refuse: boolean): string[] {
  const found: string[] = [];
  if (result.status >= 500) found.push(`${label}: ${result.status} ${result.text.slice(0, 160)}`);
  if (refuse && result.status !== 400) found.push(`${label}: expected 400, got ${result.status} ${result.text.slice(0, 160)}`);
  if (/\bat [\w.<>]+ \(.*:\d+:\d+\)|node_modules\/|\.ts:\d+/.test(result.text)) found.push(`${label}: stack trace in body`);
  if (result.status >= 400) {
    const isHtml = result.type.includes('text/html') && /<html/i.test(result.text);
    let isOAuthError = false;
    if (result.type.includes('json')) {
      try { isOAuthError = typeof (JSON.parse(result.text) as { error?: unknown }).error === 'string'; } catch { isOAuthError = false; }
    }
    if (shape === 'html' && !isHtml) found.push(`${label}: expected an HTML page, got ${result.type} ${result.text.slice(0, 120)}`);
    if (shape === 'json' && !isOAuthError) found.push(`${label}: expected an OAuth error, got ${result.type} ${result.text.slice(0, 120)}`);
    if (shape === 'any' && !isHtml && !isOAuthError && result.status !== 413 && result.status !== 431) found.push(`${label}: unreadable ${result.type} ${result.text.slice(0, 120)}`);
  }
  return found;
}

/** A raw request's status, content type and body. */
async function raw(port: number, request: Buffer): Promise<Answer> {
  const [head = '', body = ''] = (await rawHttp(port, request)).split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), type: /content-type: ([^\r\n]*)/i.exec(head)?.[1] ?? '', text: body };
}

// Without Redis the short-lived models (interactions, pushed requests, device
// codes) are stored in Postgres too, where a NUL fails in jsonb.
describe.each([['postgres+redis'], ['postgres']] as const)('hostile text in every parameter gets a readable 4xx, never a 5xx (%s)', (kind) => {
  let server: TestServer;
  const basic = `Basic ${Buffer.from(`text-client:${SECRET}`).toString('base64')}`;

  beforeAll(async () => {
    server = await startTestServer('hostile_text', {
      kind,
      env: {
        REGISTRATION_TOKEN,
        RATE_LIMIT_TOKEN_PER_IP: '100000', RATE_LIMIT_REGISTRATION_PER_IP: '100000', RATE_LIMIT_INTROSPECTION_PER_IP: '100000',
        RATE_LIMIT_DEVICE_AUTHORIZATION_PER_IP: '100000', RATE_LIMIT_LOGIN_PER_IP: '100000', LOGIN_LOCKOUT_THRESHOLD: '1000', LOGIN_LOCKOUT_IP_THRESHOLD: '100000',
      },
    });
    await server.app.accounts.createUser(person);
    await addTestClient(server.stores, {
      client_id: 'text-client', client_secret: SECRET, redirect_uris: [REDIRECT_URI], post_logout_redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'],
      response_types: ['code'], scope: 'openid profile email offline_access',
    });
    // The same client authenticating with client_secret_post, so client_id and client_secret travel in the form.
    await addTestClient(server.stores, {
      client_id: 'text-post', client_secret: SECRET, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'],
      response_types: ['code'], scope: 'openid profile email offline_access',
    });
  });
  afterAll(async () => { await server.close(); });

  const url = (path: string) => `${server.issuer}${path}`;

  it('/auth: every query parameter', async () => {
    const base: Record<string, string> = {
      client_id: 'text-client', response_type: 'code', scope: 'openid', redirect_uri: encodeURIComponent(REDIRECT_URI), state: 'st',
      nonce: 'n', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    };
    const extra = ['prompt', 'login_hint', 'max_age', 'ui_locales', 'claims', 'acr_values', 'resource', 'request_uri', 'id_token_hint', 'response_mode', 'display', 'request'];
    const found: string[] = [];
    for (const param of [...Object.keys(base), ...extra]) {
      for (const [kind, value] of Object.entries(ENCODED)) {
        const query = Object.entries({ ...base, [param]: value }).map(([key, item]) => `${key}=${item}`).join('&');
        const result = await answer(await fetch(url(`/auth?${query}`), { headers: { accept: 'text/html' }, redirect: 'manual' }));
        found.push(...problems(`/auth ${param} ${kind}`, result, 'any', QUERY_REFUSED.has(kind)));
      }
    }
    expect(found).toEqual([]);
  });

  it('/token, /token/introspection, /token/revocation, /device/auth and /request: every form parameter', async () => {
    const endpoints: Record<string, Record<string, string>> = {
      '/token': { grant_type: 'authorization_code', code: 'c', redirect_uri: encodeURIComponent(REDIRECT_URI), code_verifier: 'v'.repeat(43), refresh_token: 'r', scope: 'openid', device_code: 'd', resource: 'https%3A%2F%2Fapi.example.com', client_id: 'text-post', client_secret: SECRET },
      '/token/introspection': { token: 't', token_type_hint: 'access_token', client_id: 'text-post', client_secret: SECRET },
      '/token/revocation': { token: 't', token_type_hint: 'refresh_token', client_id: 'text-post', client_secret: SECRET },
      '/device/auth': { client_id: 'text-post', client_secret: SECRET, scope: 'openid', nonce: 'n', claims: '%7B%7D', acr_values: 'a', resource: 'https%3A%2F%2Fapi.example.com', max_age: '5' },
      '/request': { client_id: 'text-post', client_secret: SECRET, response_type: 'code', scope: 'openid', redirect_uri: encodeURIComponent(REDIRECT_URI), state: 's', nonce: 'n', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', login_hint: 'h' },
    };
    const found: string[] = [];
    for (const [path, base] of Object.entries(endpoints)) {
      for (const param of Object.keys(base)) {
        for (const [kind, value] of Object.entries(ENCODED)) {
          const body = Object.entries({ ...base, [param]: value }).map(([key, item]) => `${key}=${item}`).join('&');
          const result = await answer(await fetch(url(path), { method: 'POST', headers: { 'content-type': FORM }, body }));
          // A client_id or secret that matches nothing is invalid_client (401, RFC 6749 §5.2); a bad
          // token is an unknown token, which RFC 7662 §2.2 and RFC 7009 §2.2 answer with 200.
          const refuse = FORM_REFUSED.has(kind) && !['client_id', 'client_secret', 'token', 'token_type_hint'].includes(param);
          found.push(...problems(`${path} ${param} ${kind}`, result, 'json', refuse));
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('/reg: every JSON member, invalid UTF-8 bytes, and the Authorization header', async () => {
    const base = {
      redirect_uris: [REDIRECT_URI], client_name: 'n', client_uri: 'https://x.example', logo_uri: 'https://x.example/l.png',
      contacts: ['a@x.example'], scope: 'openid', token_endpoint_auth_method: 'client_secret_basic', application_type: 'web', policy_uri: 'https://x.example/p', post_logout_redirect_uris: [REDIRECT_URI],
    };
    const found: string[] = [];
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}` };
    for (const param of Object.keys(base)) {
      for (const [kind, value] of Object.entries(JSON_VALUES)) {
        const member = Array.isArray(base[param as keyof typeof base]) ? [value] : value;
        const result = await answer(await fetch(url('/reg'), { method: 'POST', headers, body: JSON.stringify({ ...base, [param]: member }) }));
        found.push(...problems(`/reg ${param} ${kind}`, result, 'json', kind !== 'over-long'));
        // RFC 7591 §3.2.2: a bad redirection URI has its own code.
        if (kind !== 'over-long' && result.status === 400 && !/"invalid_client_metadata"|"invalid_redirect_uri"/.test(result.text)) found.push(`/reg ${param} ${kind}: ${result.text.slice(0, 120)}`);
      }
      const bytes = Buffer.concat([Buffer.from(`{"redirect_uris":["${REDIRECT_URI}"],"${param}":"a`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
      found.push(...problems(`/reg ${param} raw invalid UTF-8`, await answer(await fetch(url('/reg'), { method: 'POST', headers, body: bytes })), 'json', false));
    }
    for (const [kind, value] of Object.entries(ENCODED)) {
      const result = await answer(await fetch(url('/reg'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${decodeURIComponent(value.replace(/%(?![0-7][0-9A-F])../gi, ''))}` }, body: JSON.stringify(base) }).catch(() => new Response('{"error":"refused by fetch"}', { status: 400, headers: { 'content-type': 'application/json' } })));
      found.push(...problems(`/reg bearer ${kind}`, result, 'json', false));
    }
    expect(found).toEqual([]);
  });

  it('headers: Basic credentials holding NUL or invalid base64, bearer tokens with NUL, raw bytes', async () => {
    const found: string[] = [];
    const credentials = [
      ['NUL in client_id', `Basic ${Buffer.from(`text\u0000client:${SECRET}`).toString('base64')}`],
      ['NUL in secret', `Basic ${Buffer.from(`text-client:a\u0000b`).toString('base64')}`],
      ['control characters in client_id', `Basic ${Buffer.from(`text\u0001client:${SECRET}`).toString('base64')}`],
      ['invalid UTF-8 in client_id', `Basic ${Buffer.concat([Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(`:${SECRET}`)]).toString('base64')}`],
      ['percent-encoded NUL in client_id', `Basic ${Buffer.from(`text%00client:${SECRET}`).toString('base64')}`],
      ['invalid base64', 'Basic !!!not base64!!!'],
      ['no colon', `Basic ${Buffer.from('text-client').toString('base64')}`],
      ['over-long', `Basic ${Buffer.from(`${'x'.repeat(4000)}:${SECRET}`).toString('base64')}`],
    ];
    for (const path of ['/token', '/token/introspection', '/token/revocation', '/device/auth', '/request']) {
      for (const [kind, authorization] of credentials) {
        const result = await answer(await fetch(url(path), { method: 'POST', headers: { 'content-type': FORM, authorization }, body: 'grant_type=client_credentials&token=t&scope=openid' }));
        found.push(...problems(`${path} Authorization ${kind}`, result, 'json', false));
      }
    }
    // /me: RFC 6750 lets the bearer token come in a form body too (§2.2), where a NUL can travel.
    for (const [kind, value] of Object.entries(ENCODED)) {
      const result = await answer(await fetch(url('/me'), { method: 'POST', headers: { 'content-type': FORM }, body: `access_token=${value}` }));
      found.push(...problems(`/me access_token ${kind}`, result, 'json', false));
      const header = await answer(await fetch(url('/me'), { headers: { authorization: `Bearer ${value}` } }));
      found.push(...problems(`/me bearer ${kind}`, header, 'any', false));
    }
    // What fetch refuses to send: NUL and raw invalid UTF-8 inside header values.
    const port = Number(new URL(server.issuer).port);
    for (const [path, method] of [['/me', 'GET'], ['/token', 'POST'], ['/account', 'GET']]) {
      for (const bytes of [[0x00], [0xc3, 0x28], [0xff, 0xfe], [0x01]]) {
        const request = Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer a`), Buffer.from(bytes),
          Buffer.from(`b\r\nCookie: _session=a`), Buffer.from(bytes), Buffer.from('b\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')]);
        const result = await raw(port, request);
        if (!(result.status >= 400 && result.status < 500) && !(result.status >= 200 && result.status < 400)) found.push(`raw ${method} ${path} ${bytes}: ${result.status}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('the login form, the device code pages and the logout page', async () => {
    const found: string[] = [];
    const start = `/auth?client_id=text-client&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`;
    for (const field of ['username', 'password', 'remember', '_csrf']) {
      for (const [kind, value] of Object.entries(ENCODED)) {
        const browser = new HttpBrowser(server.issuer);
        const login = await browser.follow(start);
        const form = readForm(await login.response.text(), /\/login$/);
        const fields = { ...form.fields, username: 'someone', password: 'wrong password' };
        const body = Object.entries({ ...fields, [field]: '' }).map(([key, item]) => `${key}=${key === field ? value : encodeURIComponent(item)}`).join('&');
        const result = await answer(await fetch(url(form.action), {
          method: 'POST', body, redirect: 'manual', headers: { 'content-type': FORM, accept: 'text/html', cookie: cookieOf(browser, form.action) },
        }));
        // A broken CSRF token is refused first, with 403.
        found.push(...problems(`login ${field} ${kind}`, result, 'html', FORM_REFUSED.has(kind) && field !== '_csrf'));
      }
    }
    // The interaction uid in the path.
    for (const [kind, value] of Object.entries(ENCODED)) {
      found.push(...problems(`interaction uid ${kind}`, await answer(await fetch(url(`/interaction/${value}`), { headers: { accept: 'text/html' } })), 'html', QUERY_REFUSED.has(kind)));
      found.push(...problems(`interaction login uid ${kind}`, await answer(await fetch(url(`/interaction/${value}/login`), { method: 'POST', headers: { accept: 'text/html', 'content-type': FORM }, body: 'username=a' })), 'html', false));
    }
    // The device code pages: user_code in the query and in the provider's own form.
    for (const [kind, value] of Object.entries(ENCODED)) {
      found.push(...problems(`GET /device user_code ${kind}`, await answer(await fetch(url(`/device?user_code=${value}`), { headers: { accept: 'text/html' } })), 'html', QUERY_REFUSED.has(kind)));
      const page = await fetch(url('/device'), { headers: { accept: 'text/html' } });
      const html = await page.text();
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
      const cookie = page.headers.getSetCookie().map((item) => item.split(';')[0]).join('; ');
      for (const field of ['user_code', 'xsrf', 'confirm']) {
        const fields: Record<string, string> = { xsrf, user_code: 'ABCD-EFGH', confirm: 'yes' };
        const body = Object.entries(fields).map(([key, item]) => `${key}=${key === field ? value : encodeURIComponent(item)}`).join('&');
        const result = await answer(await fetch(url('/device'), { method: 'POST', body, redirect: 'manual', headers: { 'content-type': FORM, accept: 'text/html', cookie } }));
        found.push(...problems(`POST /device ${field} ${kind}`, result, 'html', false));
      }
    }
    // RP-initiated logout: every parameter (GET; oidc-provider serves POST only with enableHttpPostMethods).
    for (const param of ['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id', 'logout_hint', 'ui_locales']) {
      for (const [kind, value] of Object.entries(ENCODED)) {
        const get = await answer(await fetch(url(`/session/end?client_id=text-client&${param}=${value}`), { headers: { accept: 'text/html' }, redirect: 'manual' }));
        found.push(...problems(`GET /session/end ${param} ${kind}`, get, 'any', QUERY_REFUSED.has(kind)));
      }
    }
    // An id_token_hint whose audience holds a NUL (unsigned: it is refused, but must be read first).
    const unsigned = (payload: object) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    for (const aud of ['a\u0000b', 'a\u0001b', 'a\ud800b']) {
      const hint = unsigned({ iss: server.issuer, aud, sub: 's', exp: 9_999_999_999, iat: 1 });
      found.push(...problems(`id_token_hint aud ${JSON.stringify(aud)}`, await answer(await fetch(url(`/session/end?id_token_hint=${hint}`), { headers: { accept: 'text/html' }, redirect: 'manual' })), 'any', false));
      const assertion = unsigned({ iss: aud, sub: aud, aud: `${server.issuer}/token`, exp: 9_999_999_999, jti: 'j' });
      const token = await answer(await fetch(url('/token'), { method: 'POST', headers: { 'content-type': FORM }, body: `grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${assertion}` }));
      found.push(...problems(`client_assertion iss ${JSON.stringify(aud)}`, token, 'json', false));
      const request = unsigned({ client_id: aud, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI });
      found.push(...problems(`request object client_id ${JSON.stringify(aud)}`, await answer(await fetch(url(`/auth?client_id=text-client&request=${request}`), { headers: { accept: 'text/html' }, redirect: 'manual' })), 'any', false));
    }
    expect(found).toEqual([]);
  });

  it('the account pages: every form field and path parameter', async () => {
    const browser = new HttpBrowser(server.issuer);
    const login = await browser.follow('/account');
    const form = readForm(await login.response.text(), /\/login$/);
    await browser.follow(form.action, { form: { ...form.fields, ...person } });
    const profile = await (await browser.request('/account')).text();
    const { _csrf } = readForm(profile, /\/account\/profile$/).fields;
    expect(_csrf).toBeTruthy();
    const forms: Record<string, Record<string, string>> = {
      '/account/profile': { name: 'Ada' },
      '/account/password': { current_password: person.password, new_password: 'another password 1', confirm_password: 'another password 1' },
      '/account/apps': { name: 'App', kind: 'web', redirect_uris: REDIRECT_URI },
    };
    const found: string[] = [];
    for (const [path, base] of Object.entries(forms)) {
      for (const field of Object.keys(base)) {
        for (const [kind, value] of Object.entries(ENCODED)) {
          // A password change must not go through: only the hostile field differs from a valid post, and the valid one is never sent.
          const fields = path === '/account/password' ? { ...base, current_password: 'not the password' } : base;
          const body = Object.entries({ _csrf, ...fields }).map(([key, item]) => `${key}=${key === field ? value : encodeURIComponent(item)}`).join('&');
          const result = await answer(await fetch(url(path), { method: 'POST', body, redirect: 'manual', headers: { 'content-type': FORM, accept: 'text/html', cookie: cookieOf(browser, path) } }));
          found.push(...problems(`POST ${path} ${field} ${kind}`, result, 'html', FORM_REFUSED.has(kind)));
        }
      }
    }
    for (const [kind, value] of Object.entries(ENCODED)) {
      for (const path of [`/account/apps/${value}`, `/account/connected/${value}/revoke`, `/account/apps/${value}/rotate`, `/account/apps/${value}/delete`, `/account/apps/${value}/first-party`]) {
        const method = path.endsWith(value) ? 'GET' : 'POST';
        const result = await answer(await fetch(url(path), { method, body: method === 'POST' ? `_csrf=${_csrf}` : undefined, redirect: 'manual', headers: { 'content-type': FORM, accept: 'text/html', cookie: cookieOf(browser, path) } }));
        found.push(...problems(`${method} ${path.slice(0, 40)} ${kind}`, result, 'html', QUERY_REFUSED.has(kind)));
      }
      const sign = await answer(await fetch(url(`/account/sign-in?return=${value}`), { headers: { accept: 'text/html' }, redirect: 'manual' }));
      found.push(...problems(`/account/sign-in return ${kind}`, sign, 'any', QUERY_REFUSED.has(kind)));
    }
    expect(found).toEqual([]);
    // No control character was stored (invalid UTF-8 in a form stays percent-encoded text), and the password is unchanged.
    const user = await server.app.accounts.findUserByUsername(person.username);
    expect(user?.name ?? '').not.toMatch(/[\u0000-\u001F\u007F]/);
    expect(await server.app.accounts.authenticate(person.username, person.password)).not.toBeNull();
  });

  it('keeps serving afterwards', async () => {
    expect((await fetch(url('/readyz'))).status).toBe(200);
    const token = await fetch(url('/token'), { method: 'POST', headers: { 'content-type': FORM, authorization: basic }, body: 'grant_type=client_credentials' });
    expect(token.status).toBe(200);
  });
});

/** The Cookie header HttpBrowser would send for a path, query left off. */
function cookieOf(browser: HttpBrowser, path: string): string {
  return browser.cookieHeader(path.split('?')[0]!);
}
