import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/load-config.js';
import { createServerApp, type ServerApp } from '../../src/compose/create-server-app.js';
import { createLogger } from '../../src/observability/logger.js';
import { addTestClient } from '../support/test-server.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { LogSink } from '../support/log-sink.js';
import { readForm } from '../support/http-browser.js';

const ISSUER = 'https://login.example.test';
const REDIRECT_URI = 'https://app.example.com/callback';
const user = { username: 'ada@example.com', password: 'correct horse battery' };
// What a TLS-terminating proxy in front of the server adds.
const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'login.example.test', 'x-forwarded-for': '198.51.100.7, 203.0.113.9' };

interface Running { base: string; server: Server; app: ServerApp; logs: LogSink }

async function start(stores: TestStores, trustProxy: boolean): Promise<Running> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const config = loadConfig({ ...stores.env, ISSUER, PORT: String(port), TRUST_PROXY: String(trustProxy) });
  const logs = new LogSink();
  const app = await createServerApp({ config, database: stores.handle, redis: stores.redis, logger: createLogger({ level: 'info', destination: logs }) });
  server.on('request', app.callback());
  return { base: `http://127.0.0.1:${port}`, server, app, logs };
}

/** A cookie jar and fetch that always send the proxy's headers, never following redirects. */
function proxiedAgent(base: string) {
  const cookies = new Map<string, string>();
  const setCookies: string[] = [];
  return {
    setCookies,
    async request(path: string, init: { form?: Record<string, string> } = {}): Promise<Response> {
      const url = new URL(path, ISSUER);
      const headers: Record<string, string> = { ...FORWARDED, accept: 'text/html' };
      if (cookies.size) headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
      let body: string | undefined;
      if (init.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(init.form).toString();
      }
      const response = await fetch(`${base}${url.pathname}${url.search}`, { method: body ? 'POST' : 'GET', headers, body, redirect: 'manual' });
      for (const header of response.headers.getSetCookie()) {
        setCookies.push(header);
        const [pair] = header.split(';');
        cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      }
      return response;
    },
  };
}

describe('behind a TLS-terminating reverse proxy', () => {
  let stores: TestStores;
  let trusted: Running;
  let untrusted: Running;

  beforeAll(async () => {
    stores = await createTestStores('proxy_awareness');
    trusted = await start(stores, true);
    untrusted = await start(stores, false);
    await trusted.app.accounts.createUser({ ...user, name: 'Ada', email: user.username });
    await addTestClient(stores, {
      client_id: 'web-app', client_secret: 'web-app-secret-0123456789-0123456789-abcdef', redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'], response_types: ['code'],
    });
  });
  afterAll(async () => {
    for (const { server, app } of [trusted, untrusted]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => { server.close(() => resolve()); });
      await app.close();
    }
    await stores.cleanup();
  });

  it('with TRUST_PROXY, publishes https endpoints on the public host', async () => {
    const response = await fetch(`${trusted.base}/.well-known/openid-configuration`, { headers: FORWARDED });
    const metadata = await response.json() as Record<string, string>;
    expect(metadata.issuer).toBe(ISSUER);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint']) {
      expect(metadata[endpoint]).toMatch(/^https:\/\/login\.example\.test\//);
    }
  });

  it('with TRUST_PROXY, sets Secure cookies and redirects with https URLs through a whole sign-in', async () => {
    const agent = proxiedAgent(trusted.base);
    const query = new URLSearchParams({ client_id: 'web-app', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const authorize = await agent.request(`/auth?${query}`);
    expect(authorize.status).toBe(303);
    const interaction = authorize.headers.get('location')!;
    const page = await agent.request(interaction);
    const form = readForm(await page.text(), /\/login$/);
    const login = await agent.request(form.action, { form: { ...form.fields, ...user } });
    // interactionFinished sends the browser back to the authorization endpoint: an absolute https URL.
    expect(login.headers.get('location')).toMatch(/^https:\/\/login\.example\.test\/auth\//);
    const interactionCookies = agent.setCookies.filter((cookie) => cookie.startsWith('_interaction'));
    expect(interactionCookies.length).toBeGreaterThan(0);
    for (const cookie of interactionCookies) expect(cookie.toLowerCase()).toContain('; secure');
  });

  it('with TRUST_PROXY, logs the client address the nearest proxy saw (TRUST_PROXY_HOPS=1), not the one a client wrote', async () => {
    await fetch(`${trusted.base}/healthz`, { headers: { ...FORWARDED, 'x-request-id': 'proxy-ip-check' } });
    expect(trusted.logs.lines.find((line) => line.requestId === 'proxy-ip-check')).toMatchObject({ ip: '203.0.113.9' });
  });

  it('without TRUST_PROXY, ignores X-Forwarded-* entirely', async () => {
    const metadata = await (await fetch(`${untrusted.base}/.well-known/openid-configuration`, { headers: FORWARDED })).json() as Record<string, string>;
    expect(metadata.issuer).toBe(ISSUER);
    expect(metadata.authorization_endpoint).toBe(`${untrusted.base}/auth`);
    const query = new URLSearchParams({ client_id: 'web-app', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const agent = proxiedAgent(untrusted.base);
    await agent.request(`/auth?${query}`);
    const interactionCookies = agent.setCookies.filter((cookie) => cookie.startsWith('_interaction'));
    expect(interactionCookies.length).toBeGreaterThan(0);
    for (const cookie of interactionCookies) expect(cookie.toLowerCase()).not.toContain('secure');
    await fetch(`${untrusted.base}/healthz`, { headers: { ...FORWARDED, 'x-request-id': 'direct-ip-check' } });
    expect(untrusted.logs.lines.find((line) => line.requestId === 'direct-ip-check')).toMatchObject({ ip: expect.stringMatching(/127\.0\.0\.1$/) });
  });
});
