import { HttpBrowser, readForm } from '../support/http-browser.js';
import { runCli } from '../support/run-cli.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// Issue 16 item 13: every state change through the pages, the CLI and the
// protocol writes its audit event. Each action below is one thing a person,
// an operator or a client can change; each must leave exactly the event named
// beside it, naming who did it and what it was about.
const REGISTRATION_TOKEN = 'every-change-initial-token-0123456789-0123456';
const SECRET = 'every-change-client-secret-0123456789-012345';
const REDIRECT_URI = 'https://audited.example.com/cb';
const ada = { username: 'ada-audited', password: 'ada audited password 1' };
const sue = { username: 'sue-audited', password: 'sue audited password 1' };
const NEW_PASSWORD = 'ada audited password 2';

interface AuditRow { id: number; event: string; actor: string | null; client_id: string | null; ip: string | null; details: Record<string, unknown> }
interface Expected { event: string; actor?: string | null; clientId?: string | null; details?: Record<string, unknown>; fromBrowser?: boolean }
interface Action { name: string; run: () => Promise<Expected> }

describe('every change is audited', () => {
  let server: TestServer;
  let adaId: string;
  let sueId: string;
  const form = 'application/x-www-form-urlencoded';
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  beforeAll(async () => {
    server = await startTestServer('every_change', { env: { REGISTRATION_TOKEN } });
    adaId = (await server.app.accounts.createUser(ada)).id;
    sueId = (await server.app.accounts.createUser({ ...sue, role: 'superuser' })).id;
    await addTestClient(server.stores, {
      client_id: 'audited-app', client_secret: SECRET, redirect_uris: [REDIRECT_URI], post_logout_redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], response_types: ['code'], client_name: 'Audited app',
    });
  });
  afterAll(async () => { await server.close(); });

  const db = () => server.stores.handle.db;
  const cli = (args: string[], input = '') => runCli(server.stores, args, input);

  async function newestId(): Promise<number> {
    const row = await db().selectFrom('audit_events').select('id').orderBy('id', 'desc').executeTakeFirst();
    return row ? Number(row.id) : 0;
  }

  /** The rows written after `after`, polled until one matches (writes beside a response are asynchronous), bounded. */
  async function eventAfter(after: number, expected: Expected): Promise<AuditRow | undefined> {
    for (let attempt = 0; attempt < 400; attempt += 1) {
      const rows = await db().selectFrom('audit_events').selectAll().where('id', '>', after as never).orderBy('id').execute() as unknown as AuditRow[];
      const found = rows.find((row) => row.event === expected.event
        && (expected.clientId === undefined || row.client_id === expected.clientId)
        && (expected.actor === undefined || row.actor === expected.actor)
        && Object.entries(expected.details ?? {}).every(([key, value]) => JSON.stringify(row.details[key]) === JSON.stringify(value)));
      if (found) return found;
      await new Promise((resolve) => { setTimeout(resolve, 25); });
    }
    return undefined;
  }

  async function signIn(credentials: { username: string; password: string }): Promise<HttpBrowser> {
    const browser = new HttpBrowser(server.issuer);
    const login = await browser.follow('/account');
    const page = readForm(await login.response.text(), /\/login$/);
    await browser.follow(page.action, { form: { ...page.fields, ...credentials } });
    return browser;
  }

  async function post(browser: HttpBrowser, action: string, fields: Record<string, string>): Promise<number> {
    const profile = await (await browser.request('/account')).text();
    const { _csrf } = readForm(profile, /\/account\/profile$/).fields;
    const response = await browser.request(action, { method: 'POST', form: { _csrf: _csrf!, ...fields } });
    await response.text();
    return response.status;
  }

  async function accountApp(ownerId: string): Promise<string> {
    const row = await db().selectFrom('clients').select('client_id').where('owner_id', '=', ownerId).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    return row.client_id;
  }

  /** Signs the browser in to audited-app through consent, which makes it a connected app. */
  async function connect(browser: HttpBrowser): Promise<void> {
    const query = new URLSearchParams({
      client_id: 'audited-app', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    });
    let { response, url } = await browser.follow(`/auth?${query}`);
    for (let step = 0; step < 4 && new URL(url).origin === server.issuer; step += 1) {
      const html = await response.text();
      const consent = readForm(html, /\/confirm$/);
      ({ response, url } = await browser.follow(consent.action, { form: consent.fields }));
    }
    expect(url).toContain(REDIRECT_URI);
  }

  it('writes the event of every action through the pages, the CLI and the protocol', async () => {
    let adaBrowser!: HttpBrowser;
    let appId = '';
    let cliUserId = '';
    let cliClientId = '';
    let registered!: { client_id: string; registration_access_token: string; registration_client_uri: string; redirect_uris: string[] };

    const actions: Action[] = [
      // The account pages, as the signed-in person.
      { name: 'account: save the profile', run: async () => {
        adaBrowser = await signIn(ada);
        expect(await post(adaBrowser, '/account/profile', { name: 'Ada Audited' })).toBe(303);
        return { event: 'user.changed', actor: adaId, details: { user_id: adaId, change: 'profile', source: 'account' }, fromBrowser: true };
      } },
      { name: 'account: change the password', run: async () => {
        expect(await post(adaBrowser, '/account/password', { current_password: ada.password, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD })).toBe(303);
        return { event: 'user.changed', actor: adaId, details: { change: 'password', source: 'account' }, fromBrowser: true };
      } },
      { name: 'account: remove a connected app', run: async () => {
        await connect(adaBrowser);
        expect(await post(adaBrowser, '/account/connected/audited-app/revoke', {})).toBe(303);
        return { event: 'grant.revoked', actor: adaId, clientId: 'audited-app', details: { source: 'account' }, fromBrowser: true };
      } },
      { name: 'account: register an app', run: async () => {
        // Shown at once (201) or after a post/redirect/get (303).
        expect([201, 303]).toContain(await post(adaBrowser, '/account/apps', { name: 'Ada app', kind: 'web', redirect_uris: 'https://ada.example.com/cb' }));
        appId = await accountApp(adaId);
        return { event: 'client.created', actor: adaId, clientId: appId, details: { source: 'account' }, fromBrowser: true };
      } },
      { name: 'account: rotate the app secret', run: async () => {
        expect([200, 303]).toContain(await post(adaBrowser, `/account/apps/${appId}/rotate`, {}));
        return { event: 'client.changed', actor: adaId, clientId: appId, details: { change: 'secret_rotated' }, fromBrowser: true };
      } },
      { name: 'account: a superuser marks the app first-party', run: async () => {
        expect(await post(await signIn(sue), `/account/apps/${appId}/first-party`, { first_party: 'yes' })).toBe(303);
        return { event: 'client.changed', actor: sueId, clientId: appId, details: { change: 'first_party', first_party: true }, fromBrowser: true };
      } },
      { name: 'account: delete the app', run: async () => {
        expect(await post(adaBrowser, `/account/apps/${appId}/delete`, {})).toBe(303);
        return { event: 'client.deleted', actor: adaId, clientId: appId, details: { source: 'account' }, fromBrowser: true };
      } },
      // The CLI, as an operator.
      { name: 'cli: users create', run: async () => {
        expect((await cli(['users', 'create', '--username', 'carl-audited', '--password-stdin'], 'carl audited password 1\n')).code).toBe(0);
        cliUserId = (await server.app.accounts.findUserByUsername('carl-audited'))!.id;
        return { event: 'user.created', details: { user_id: cliUserId, source: 'cli', role: 'user' } };
      } },
      { name: 'cli: users set-password', run: async () => {
        expect((await cli(['users', 'set-password', 'carl-audited', '--password-stdin'], 'carl audited password 2\n')).code).toBe(0);
        return { event: 'user.changed', details: { user_id: cliUserId, change: 'password', source: 'cli' } };
      } },
      { name: 'cli: users set-role', run: async () => {
        expect((await cli(['users', 'set-role', 'carl-audited', 'staff'])).code).toBe(0);
        return { event: 'user.changed', details: { user_id: cliUserId, change: 'role', role: 'staff' } };
      } },
      { name: 'cli: users update', run: async () => {
        expect((await cli(['users', 'update', 'carl-audited', '--name', 'Carl Audited'])).code).toBe(0);
        return { event: 'user.changed', details: { user_id: cliUserId, change: 'profile', source: 'cli' } };
      } },
      { name: 'cli: users disable', run: async () => {
        expect((await cli(['users', 'disable', 'carl-audited'])).code).toBe(0);
        return { event: 'user.disabled', details: { user_id: cliUserId, source: 'cli' } };
      } },
      { name: 'cli: users enable', run: async () => {
        expect((await cli(['users', 'enable', 'carl-audited'])).code).toBe(0);
        return { event: 'user.changed', details: { user_id: cliUserId, change: 'enabled' } };
      } },
      { name: 'cli: users delete', run: async () => {
        expect((await cli(['users', 'delete', 'carl-audited'])).code).toBe(0);
        return { event: 'user.deleted', details: { user_id: cliUserId, source: 'cli' } };
      } },
      { name: 'cli: clients create', run: async () => {
        const created = await cli(['clients', 'create', '--name', 'Audited batch', '--type', 'confidential', '--grant-type', 'client_credentials']);
        expect(created.code).toBe(0);
        cliClientId = /client_id: (\S+)/.exec(created.stdout)![1]!;
        return { event: 'client.created', clientId: cliClientId, details: { source: 'cli' } };
      } },
      { name: 'cli: clients rotate-secret', run: async () => {
        expect((await cli(['clients', 'rotate-secret', cliClientId])).code).toBe(0);
        return { event: 'client.changed', clientId: cliClientId, details: { change: 'secret_rotated' } };
      } },
      { name: 'cli: clients disable', run: async () => {
        expect((await cli(['clients', 'disable', cliClientId])).code).toBe(0);
        return { event: 'client.disabled', clientId: cliClientId };
      } },
      { name: 'cli: clients enable', run: async () => {
        expect((await cli(['clients', 'enable', cliClientId])).code).toBe(0);
        return { event: 'client.changed', clientId: cliClientId, details: { change: 'enabled' } };
      } },
      { name: 'cli: clients delete', run: async () => {
        expect((await cli(['clients', 'delete', cliClientId])).code).toBe(0);
        return { event: 'client.deleted', clientId: cliClientId };
      } },
      { name: 'cli: keys rotate', run: async () => {
        expect((await cli(['keys', 'rotate'])).code).toBe(0);
        return { event: 'keys.rotated' };
      } },
      // The protocol, as clients and people using them.
      { name: 'protocol: token revocation (RFC 7009)', run: async () => {
        const issued = await fetch(`${server.issuer}/token`, { method: 'POST', headers: { 'content-type': form, authorization: basic('audited-app', SECRET) }, body: 'grant_type=client_credentials' });
        const { access_token: token } = await issued.json() as { access_token: string };
        const revoked = await fetch(`${server.issuer}/token/revocation`, { method: 'POST', headers: { 'content-type': form, authorization: basic('audited-app', SECRET) }, body: new URLSearchParams({ token }) });
        expect(revoked.status).toBe(200);
        return { event: 'token.revoked', clientId: 'audited-app' };
      } },
      { name: 'protocol: dynamic registration (RFC 7591)', run: async () => {
        const response = await fetch(`${server.issuer}/reg`, {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}` },
          body: JSON.stringify({ redirect_uris: ['https://registered-audited.example.com/cb'] }),
        });
        expect(response.status).toBe(201);
        registered = await response.json() as typeof registered;
        return { event: 'client.created', clientId: registered.client_id, details: { source: 'registration' } };
      } },
      { name: 'protocol: client update (RFC 7592)', run: async () => {
        const response = await fetch(registered.registration_client_uri, {
          method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${registered.registration_access_token}` },
          body: JSON.stringify({ client_id: registered.client_id, redirect_uris: registered.redirect_uris, client_name: 'Renamed' }),
        });
        expect(response.status).toBe(200);
        registered = { ...registered, ...await response.json() as Partial<typeof registered> };
        return { event: 'client.changed', clientId: registered.client_id, details: { source: 'registration' } };
      } },
      { name: 'protocol: client delete (RFC 7592)', run: async () => {
        const response = await fetch(registered.registration_client_uri, { method: 'DELETE', headers: { authorization: `Bearer ${registered.registration_access_token}` } });
        expect(response.status).toBe(204);
        return { event: 'client.deleted', clientId: registered.client_id, details: { source: 'registration' } };
      } },
      { name: 'protocol: RP-initiated logout', run: async () => {
        const page = await (await adaBrowser.follow('/session/end')).response.text();
        const logout = readForm(page, /\/session\/end\/confirm$/);
        const done = await adaBrowser.request(logout.action, { method: 'POST', form: { ...logout.fields, logout: 'yes' } });
        expect(done.status).toBe(303);
        return { event: 'session.ended', actor: adaId, details: { everywhere: true }, fromBrowser: true };
      } },
    ];

    const missing: string[] = [];
    for (const action of actions) {
      const before = await newestId();
      const expected = await action.run();
      const row = await eventAfter(before, expected);
      if (!row) missing.push(`${action.name}: no ${expected.event} event matching ${JSON.stringify(expected)}`);
      else if (expected.fromBrowser && !row.ip) missing.push(`${action.name}: ${expected.event} without the request's address`);
    }
    expect(missing).toEqual([]);

    // Nothing secret reached the trail: passwords, client secrets, tokens.
    const dump = JSON.stringify(await db().selectFrom('audit_events').selectAll().execute());
    for (const secret of [ada.password, NEW_PASSWORD, 'carl audited password 1', 'carl audited password 2', SECRET, REGISTRATION_TOKEN, registered.registration_access_token]) {
      expect(dump).not.toContain(secret);
    }
  });
});
