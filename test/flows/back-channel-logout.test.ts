import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import type { ClientDefinitionInput } from '../../src/clients/client-definition.js';
import { hashClientSecret } from '../../src/clients/client-secret.js';
import { upsertClientRow } from '../../src/clients/clients-repository.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { HttpBrowser, readForm } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { runCli } from '../support/run-cli.js';

// One CLI call is a real process (tsx compiles on start): slow on a loaded machine.

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const REDIRECT_URI = 'https://rp.example.com/callback';
const SECRET = 'back-channel-logout-rp-secret-0123456789-012345';
const INITIAL_TOKEN = 'initial-access-token-back-channel-0123456789-0';

/** A relying party's back-channel logout endpoint on loopback: keeps every logout token it is sent. */
interface LogoutReceiver {
  uri: string;
  tokens: string[];
  close(): Promise<void>;
}

async function startLogoutReceiver(status = 200): Promise<LogoutReceiver> {
  const tokens: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (req.method === 'POST' && req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') && token) tokens.push(token);
      res.writeHead(status, { 'cache-control': 'no-store' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { uri: `http://127.0.0.1:${port}/backchannel-logout`, tokens, close: () => new Promise((resolve) => { server.close(() => resolve()); }) };
}

const rp = (clientId: string, backchannelLogoutUri: string): ClientDefinitionInput => ({
  clientId, name: clientId, type: 'confidential', redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code'],
  scopes: ['openid', 'profile'], secretEnv: 'RP_SECRET', backchannelLogoutUri,
});

describe('OpenID Connect Back-Channel Logout 1.0', () => {
  let server: TestServer;
  let first: LogoutReceiver;
  let second: LogoutReceiver;
  let refusing: LogoutReceiver;
  let selfRegistered: LogoutReceiver;
  let person = 0;

  beforeAll(async () => {
    [first, second, refusing, selfRegistered] = await Promise.all([startLogoutReceiver(), startLogoutReceiver(), startLogoutReceiver(500), startLogoutReceiver()]);
    server = await startTestServer('back_channel_logout', {
      env: { RP_SECRET: SECRET, REGISTRATION_TOKEN: INITIAL_TOKEN },
      clients: [rp('bcl-first', first.uri), rp('bcl-second', second.uri), rp('bcl-refusing', refusing.uri)],
    });
    // As if it had registered https://rp.example.net/… whose name resolves to a loopback address.
    await upsertClientRow(server.stores.handle.db, {
      clientId: 'bcl-self', source: 'registration', secretHash: await hashClientSecret(SECRET),
      metadata: { client_id: 'bcl-self', redirect_uris: [REDIRECT_URI], backchannel_logout_uri: selfRegistered.uri, grant_types: ['authorization_code'], response_types: ['code'] },
    });
  });
  afterAll(async () => {
    await server.close();
    await Promise.all([first.close(), second.close(), refusing.close(), selfRegistered.close()]);
  });

  async function newPerson(): Promise<{ username: string; password: string; id: string }> {
    person += 1;
    const credentials = { username: `bcl-${person}@example.com`, password: 'correct horse battery' };
    const user = await server.app.accounts.createUser({ ...credentials, name: `Person ${person}` });
    return { ...credentials, id: user.id };
  }

  /** Signs in to one relying party in `browser` (sharing its session) and returns the ID token's claims and the raw ID token. */
  async function signIn(browser: HttpBrowser, clientId: string, credentials: { username: string; password: string }) {
    const config = await discover(server.issuer, clientId, SECRET);
    const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile' });
    const callback = await signInAndConsent(browser, url, credentials);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    return { claims: tokens.claims()!, idToken: tokens.id_token! };
  }

  /** What a relying party must check (Back-Channel Logout §2.6): signature by the OP's JWKS, iss, aud, iat, jti, events, sid, no nonce. */
  async function validate(token: string, clientId: string): Promise<JWTPayload> {
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), {
      issuer: server.issuer, audience: clientId, typ: 'logout+jwt', requiredClaims: ['iat', 'jti', 'sid', 'events'],
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.events).toEqual({ [EVENT]: {} });
    expect(payload).not.toHaveProperty('nonce');
    return payload;
  }

  /** Ends the session at /session/end the way the confirmation page does ("Sign out" posts logout=yes). */
  async function endSession(browser: HttpBrowser, query: Record<string, string> = {}): Promise<void> {
    const start = await browser.follow(`/session/end?${new URLSearchParams(query)}`);
    const form = readForm(await start.response.text(), /\/session\/end\/confirm$/);
    const done = await browser.follow(form.action, { form: { ...form.fields, logout: 'yes' } });
    expect(done.response.status).toBe(200);
  }

  it('puts sid in the ID tokens of clients with a backchannel_logout_uri', async () => {
    const { claims } = await signIn(new HttpBrowser(server.issuer), 'bcl-first', await newPerson());
    expect(claims.sid).toEqual(expect.any(String));
  });

  it('sends every client of the session a signed logout token with its sid on RP-initiated logout', async () => {
    const browser = new HttpBrowser(server.issuer);
    const credentials = await newPerson();
    const one = await signIn(browser, 'bcl-first', credentials);
    const two = await signIn(browser, 'bcl-second', credentials);
    const [firstBefore, secondBefore] = [first.tokens.length, second.tokens.length];

    await endSession(browser, { id_token_hint: one.idToken, client_id: 'bcl-first' });

    expect(first.tokens.slice(firstBefore)).toHaveLength(1);
    expect(second.tokens.slice(secondBefore)).toHaveLength(1);
    const toFirst = await validate(first.tokens.at(-1)!, 'bcl-first');
    const toSecond = await validate(second.tokens.at(-1)!, 'bcl-second');
    expect(toFirst).toMatchObject({ sid: one.claims.sid, sub: credentials.id });
    expect(toSecond).toMatchObject({ sid: two.claims.sid, sub: credentials.id });
    expect(toFirst.jti).not.toBe(toSecond.jti);
  });

  it('sends it when a person signs out from the account pages (the /session/end link, no client)', async () => {
    const browser = new HttpBrowser(server.issuer);
    const { claims } = await signIn(browser, 'bcl-second', await newPerson());
    const before = second.tokens.length;
    await endSession(browser);
    expect(second.tokens.slice(before)).toHaveLength(1);
    expect(await validate(second.tokens.at(-1)!, 'bcl-second')).toMatchObject({ sid: claims.sid });
  });

  it('sends it when an operator disables the person with the CLI, and names a relying party that refused', async () => {
    const credentials = await newPerson();
    const browser = new HttpBrowser(server.issuer);
    const { claims } = await signIn(browser, 'bcl-first', credentials);
    await signIn(browser, 'bcl-refusing', credentials);
    await signIn(browser, 'bcl-self', credentials);
    const before = first.tokens.length;

    // The CLI reads the same ISSUER as the server (DESIGN: identical on every instance).
    const cliStores = { ...server.stores, env: { ...server.stores.env, ISSUER: server.issuer } };
    const result = await runCli(cliStores, ['users', 'disable', credentials.username]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/disabled .*back-channel logout sent to bcl-first/);
    expect(result.stderr).toMatch(/back-channel logout to client bcl-refusing failed: answered 500/);
    // A client that registered itself is held to globally routable addresses, as the server holds it.
    expect(result.stderr).toMatch(/back-channel logout to client bcl-self failed: .*special-use IP address/);
    expect(selfRegistered.tokens).toHaveLength(0);

    expect(first.tokens.slice(before)).toHaveLength(1);
    const token = first.tokens.at(-1)!;
    expect(await validate(token, 'bcl-first')).toMatchObject({ sid: claims.sid, sub: credentials.id });
    expect(decodeJwt(token).exp! - decodeJwt(token).iat!).toBe(120);
    expect(await server.stores.handle.db.selectFrom('oidc_sessions').select('id').where('account_id', '=', credentials.id).execute()).toEqual([]);
  });

  it('refuses a plain-http or loopback backchannel_logout_uri through dynamic registration, and accepts https', async () => {
    const register = (uri: string) => fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL_TOKEN}` },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI], backchannel_logout_uri: uri }),
    });
    for (const uri of [first.uri, 'http://rp.example.com/logout', 'https://127.0.0.1/logout']) {
      const refused = await register(uri);
      expect(refused.status).toBe(400);
      const body = await refused.json() as Record<string, string>;
      expect(body.error).toBe('invalid_client_metadata');
      expect(body.error_description).not.toContain('"');
    }
    const accepted = await register('https://rp.example.com/backchannel-logout');
    expect(accepted.status).toBe(201);
    expect(await accepted.json()).toMatchObject({ backchannel_logout_uri: 'https://rp.example.com/backchannel-logout', backchannel_logout_session_required: true });
  });
});

// oidc-provider refuses outgoing requests to non-routable addresses (SSRF) in
// a plain Node process; under jest's module VM that protection cannot set
// itself up, so the server is run as a real process here.
describe('Back-Channel Logout from a real server process (oidc-provider SSRF protection active)', () => {
  let stores: TestStores;
  let server: ServerProcess;
  let operatorRp: LogoutReceiver;
  let selfRegisteredRp: LogoutReceiver;
  let env: Record<string, string>;
  const credentials = { username: 'process-person@example.com', password: 'correct horse battery' };

  beforeAll(async () => {
    [operatorRp, selfRegisteredRp] = await Promise.all([startLogoutReceiver(), startLogoutReceiver()]);
    stores = await createTestStores('bcl_process');
    server = await startServerProcess({ ...stores.env, HOST: '127.0.0.1' });
    env = { ...stores.env, ISSUER: `http://localhost:${server.port}` };
    expect((await runCli({ env }, ['users', 'create', '--username', credentials.username, '--password-stdin'], `${credentials.password}\n`)).code).toBe(0);
  });
  afterAll(async () => {
    server?.kill();
    await stores?.cleanup();
    await Promise.all([operatorRp?.close(), selfRegisteredRp?.close()]);
  });

  it('delivers to an operator-made client on loopback and keeps refusing a self-registered one that resolves there', async () => {
    const created = await runCli({ env }, [
      'clients', 'create', '--name', 'Operator RP', '--type', 'confidential', '--client-id', 'operator-rp', '--redirect-uri', REDIRECT_URI,
      '--scope', 'openid', '--backchannel-logout-uri', operatorRp.uri,
    ]);
    expect(created.code).toBe(0);
    const operatorSecret = /^client_secret: (\S+)$/m.exec(created.stdout)![1]!;
    // As if it had registered https://rp.example.net/… whose name resolves to a loopback address.
    await upsertClientRow(stores.handle.db, {
      clientId: 'self-registered-rp', source: 'registration', secretHash: await hashClientSecret(SECRET),
      metadata: { client_id: 'self-registered-rp', redirect_uris: [REDIRECT_URI], backchannel_logout_uri: selfRegisteredRp.uri, grant_types: ['authorization_code'], response_types: ['code'] },
    });

    const browser = new HttpBrowser(env.ISSUER!);
    for (const [clientId, secret] of [['operator-rp', operatorSecret], ['self-registered-rp', SECRET]] as const) {
      const config = await discover(env.ISSUER!, clientId, secret);
      const { url } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI });
      expect((await signInAndConsent(browser, url, credentials)).searchParams.get('code')).toEqual(expect.any(String));
    }
    const start = await browser.follow('/session/end');
    const form = readForm(await start.response.text(), /\/session\/end\/confirm$/);
    expect((await browser.follow(form.action, { form: { ...form.fields, logout: 'yes' } })).response.status).toBe(200);

    expect(operatorRp.tokens).toHaveLength(1);
    expect(decodeJwt(operatorRp.tokens[0]!)).toMatchObject({ iss: env.ISSUER, aud: 'operator-rp', events: { [EVENT]: {} } });
    expect(selfRegisteredRp.tokens).toHaveLength(0);
    expect(server.output()).toMatch(/back-channel logout delivery failed.*self-registered-rp|self-registered-rp.*back-channel logout delivery failed/);
  });
});
