import * as oidc from 'openid-client';
import { HttpBrowser } from '../support/http-browser.js';
import { waitFor } from '../support/wait-for.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { page, post, postConfirmed, signInToAdmin } from './admin-support.js';

// Issue 15: the operator console over HTTP. Staff act on people and sessions,
// superusers also on roles, apps and keys; a plain user gets 403 and nothing
// else; every change is checked through the protocol and the audit trail.
const REDIRECT_URI = 'https://console-app.example.com/cb';
const APP_SECRET = 'console-app-secret-0123456789-0123456789-0123';
const staff = { username: 'stella', password: 'stella-password-1' };
const superuser = { username: 'sam', password: 'sam-password-1' };
const plain = { username: 'pat', password: 'pat-password-1' };
const tina = { username: 'tina', password: 'tina-password-1', email: 'Tina@Example.com' };

describe('operator console over HTTP', () => {
  let server: TestServer;
  let app: oidc.Configuration;
  let ids: Record<'staff' | 'superuser' | 'plain' | 'tina', string>;

  beforeAll(async () => {
    server = await startTestServer('admin_console');
    const { accounts } = server.app;
    ids = {
      staff: (await accounts.createUser({ ...staff, role: 'staff' })).id,
      superuser: (await accounts.createUser({ ...superuser, role: 'superuser' })).id,
      plain: (await accounts.createUser(plain)).id,
      tina: (await accounts.createUser(tina)).id,
    };
    await addTestClient(server.stores, {
      client_id: 'console-app', client_name: 'Console App', client_secret: APP_SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], response_types: ['code'], scope: 'openid profile offline_access',
    });
    app = await discover(server.issuer, 'console-app', APP_SECRET);
  });
  afterAll(async () => { await server.close(); });

  async function tokensFor(person: { username: string; password: string }) {
    const { url, codeVerifier, state } = await buildAuthorization(app, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, person);
    return oidc.authorizationCodeGrant(app, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
  }

  async function auditEvents(event: string) {
    return server.stores.handle.db.selectFrom('audit_events').selectAll().where('event', '=', event).orderBy('id').execute();
  }

  it('sends a visitor to sign-in, and shows a plain user a 403 and nothing of the console', async () => {
    const anonymous = await fetch(`${server.issuer}/admin/people`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/account/sign-in?return=%2Fadmin%2Fpeople');

    const { browser, status, html } = await signInToAdmin(server.issuer, plain);
    expect(status).toBe(403);
    expect(html).toContain('You do not have access to this page');
    expect(html).not.toContain('admin-nav');
    for (const path of ['/admin/people', `/admin/people/${ids.tina}`, '/admin/apps', '/admin/sessions', '/admin/audit', '/admin/audit/export?format=json']) {
      const shown = await page(browser, path);
      expect(shown.status).toBe(403);
      expect(shown.html).not.toContain('tina');
    }
    const forced = await post(browser, `/admin/people/${ids.tina}/disable`, { confirm: 'yes' });
    expect(forced.status).toBe(403);
    expect((await server.app.accounts.findUser(ids.tina))!.active).toBe(true);
  });

  it('lets staff find a person, refuses a post without the CSRF token, and disables only after a confirmation', async () => {
    const { browser, html } = await signInToAdmin(server.issuer, staff);
    expect(html).toContain('Overview');
    const found = await page(browser, '/admin/people?q=TINA%40ex');
    expect(found.html).toContain(`href="/admin/people/${ids.tina}"`);
    expect(found.html).not.toContain('>pat<');
    expect((await page(browser, `/admin/people?q=${ids.tina}`)).html).toContain('>tina<');

    const tokens = await tokensFor(tina);
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(true);
    // The grant shows on both sides: the app lists the person, the person lists the app.
    expect((await page(browser, '/admin/apps/console-app')).html).toContain(`/admin/people/${ids.tina}/apps/console-app/revoke`);
    expect((await page(browser, `/admin/people/${ids.tina}`)).html).toContain('>Console App<');

    const forged = await post(browser, `/admin/people/${ids.tina}/disable`, { confirm: 'yes' }, { csrf: false });
    expect(forged.status).toBe(403);
    expect(forged.html).toContain('This form has expired');
    expect((await server.app.accounts.findUser(ids.tina))!.active).toBe(true);

    const done = await postConfirmed(browser, `/admin/people/${ids.tina}/disable`);
    expect(done.confirmation).toContain('Disable tina?');
    expect(done).toMatchObject({ status: 303, location: `/admin/people/${ids.tina}?done=disabled` });
    expect((await page(browser, done.location!)).html).toContain('The account is disabled.');
    // The protocol agrees: the token the app holds introspects inactive (RFC 7662 §2.2), the refresh token is gone.
    expect(await oidc.tokenIntrospection(app, tokens.access_token)).toEqual({ active: false });
    await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const [disabled] = await auditEvents('user.disabled');
    expect(disabled).toMatchObject({ actor: ids.staff, details: { user_id: ids.tina, source: 'admin' } });

    expect((await post(browser, `/admin/people/${ids.tina}/enable`)).status).toBe(303);
    expect((await server.app.accounts.findUser(ids.tina))!.active).toBe(true);
  });

  it('mails a password-reset link when mail is on, audited with the operator as actor', async () => {
    const { browser } = await signInToAdmin(server.issuer, staff);
    expect((await page(browser, `/admin/people/${ids.tina}`)).html).toContain('Send a password-reset link');
    const sent = await post(browser, `/admin/people/${ids.tina}/password-reset`);
    expect(sent.location).toBe(`/admin/people/${ids.tina}?done=reset-link`);
    const requested = await auditEvents('password_reset.requested');
    expect(requested).toEqual(expect.arrayContaining([
      expect.objectContaining({ actor: ids.staff, details: expect.objectContaining({ user_id: ids.tina, source: 'admin' }) }),
      expect.objectContaining({ actor: ids.tina, details: expect.objectContaining({ known_account: true, sent: true, source: 'admin' }) }),
    ]));
  });

  it('keeps roles, apps, keys and superusers out of staff reach', async () => {
    const { browser } = await signInToAdmin(server.issuer, staff);
    expect((await post(browser, `/admin/people/${ids.tina}/role`, { role: 'superuser' })).status).toBe(403);
    expect((await post(browser, '/admin/apps/console-app/rotate', { confirm: 'yes' })).status).toBe(403);
    expect((await post(browser, '/admin/keys/rotate', { confirm: 'yes' })).status).toBe(403);
    expect((await post(browser, `/admin/people/${ids.superuser}/disable`, { confirm: 'yes' })).status).toBe(403);
    expect((await post(browser, `/admin/people/${ids.staff}/disable`, { confirm: 'yes' })).status).toBe(403);
    expect((await server.app.accounts.findUser(ids.tina))!.role).toBe('user');
    expect((await server.app.accounts.findUser(ids.superuser))!.active).toBe(true);
    expect((await page(browser, `/admin/people/${ids.tina}`)).html).not.toContain('Set role');
  });

  it('ends one session of a person and signs them out everywhere, each after a confirmation', async () => {
    // Tina signs in to her account page; the staff member ends that session.
    const signed = await signInToAdmin(server.issuer, tina, '/account');
    expect(signed.url).toMatch(/\/account$/);
    const { browser } = await signInToAdmin(server.issuer, staff);
    const shown = await page(browser, `/admin/people/${ids.tina}`);
    const endAction = /action="(\/admin\/people\/[^"]+\/sessions\/[^"]+\/end)"/.exec(shown.html)![1]!;
    const ended = await postConfirmed(browser, endAction, { back: `/admin/people/${ids.tina}` });
    expect(ended).toMatchObject({ status: 303, location: `/admin/people/${ids.tina}?done=session-ended` });
    const after = await signed.browser.request('/account');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/account\/sign-in/);

    const tokens = await tokensFor(tina);
    const out = await postConfirmed(browser, `/admin/people/${ids.tina}/sign-out`);
    expect(out.location).toBe(`/admin/people/${ids.tina}?done=signed-out`);
    expect(await oidc.tokenIntrospection(app, tokens.access_token)).toEqual({ active: false });
    expect((await auditEvents('session.ended')).filter((row) => row.actor === ids.staff)).toHaveLength(2);
  });

  it('lets a superuser set a role, rotate a secret shown once, and edit redirect URIs under the policy', async () => {
    const { browser } = await signInToAdmin(server.issuer, superuser);
    expect((await post(browser, `/admin/people/${ids.plain}/role`, { role: 'staff' })).location).toBe(`/admin/people/${ids.plain}?done=role`);
    expect((await server.app.accounts.findUser(ids.plain))!.role).toBe('staff');
    await server.app.accounts.setRole(ids.plain, 'user');

    const rotated = await postConfirmed(browser, '/admin/apps/console-app/rotate');
    expect(rotated.location).toBe('/admin/apps/console-app?done=rotated');
    const shown = await page(browser, rotated.location!);
    const secret = /<textarea[^>]*id="client-secret"[^>]*>([^<]+)<\/textarea>/.exec(shown.html)![1]!;
    expect((await page(browser, rotated.location!)).html).not.toContain(secret);
    // The old secret stops working at /token (RFC 6749 §2.3.1) once the client cache hears of the change
    // (a committed NOTIFY, adapters/client-change-listener.ts); the new one works.
    const old = await waitFor('the old secret to be refused', async () => {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`console-app:${APP_SECRET}`).toString('base64')}` },
        body: 'grant_type=client_credentials',
      });
      return response.status === 401 ? response : undefined;
    });
    expect(await old.json()).toMatchObject({ error: 'invalid_client' });
    const fresh = await discover(server.issuer, 'console-app', secret);
    expect((await oidc.clientCredentialsGrant(fresh, {})).access_token).toEqual(expect.any(String));
    app = fresh;

    const refused = await post(browser, '/admin/apps/console-app/redirect-uris', { redirect_uris: 'http://console-app.example.com/cb' });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('must use https');
    const saved = await post(browser, '/admin/apps/console-app/redirect-uris', { redirect_uris: `${REDIRECT_URI}\nhttps://console-app.example.com/other` });
    expect(saved.location).toBe('/admin/apps/console-app?done=redirects');
    await waitFor('the provider to see the new redirect URIs', async () => (await server.app.provider.Client.find('console-app'))?.redirectUris?.length === 2);
    expect((await server.app.provider.Client.find('console-app'))?.redirectUris).toEqual([REDIRECT_URI, 'https://console-app.example.com/other']);

    const builtIn = await page(browser, '/admin/apps/account-console');
    expect(builtIn.html).toContain('Built in');
    expect(builtIn.html).not.toContain('/admin/apps/account-console/disable');
    expect((await post(browser, '/admin/apps/account-console/disable', { confirm: 'yes' })).status).toBe(403);
    const changed = (await auditEvents('client.changed')).map((row) => row.details);
    expect(changed).toEqual(expect.arrayContaining([expect.objectContaining({ change: 'secret_rotated', source: 'admin' }), expect.objectContaining({ change: 'redirect_uris' })]));
  });

  it('rotates the signing keys after a confirmation and shows the new ones', async () => {
    const { browser } = await signInToAdmin(server.issuer, superuser);
    const before = await server.stores.handle.db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).execute();
    const done = await postConfirmed(browser, '/admin/keys/rotate');
    expect(done.location).toBe('/admin?done=rotated');
    const overview = await page(browser, done.location!);
    const after = await server.stores.handle.db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).execute();
    expect(after.map((key) => key.kid)).not.toEqual(expect.arrayContaining(before.map((key) => key.kid)));
    for (const { kid } of after) expect(overview.html).toContain(kid);
    expect(await auditEvents('keys.rotated')).toEqual([expect.objectContaining({ actor: ids.superuser })]);
  });

  it('filters the audit trail, pages through it and exports the filtered view', async () => {
    const { browser } = await signInToAdmin(server.issuer, staff);
    const filtered = await page(browser, '/admin/audit?event=user.disabled&person=tina');
    expect(filtered.html).toContain('user.disabled');
    expect(filtered.html).not.toContain('<code>login.success</code>');
    const csv = await browser.request('/admin/audit/export?format=csv&event=user.disabled');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,created_at,event,actor,user_id,client_id,ip,user_agent,details');
    expect(lines.slice(1).every((line) => line.includes(',user.disabled,'))).toBe(true);
    const json = await (await browser.request(`/admin/audit/export?format=json&person=${ids.tina}`)).json() as Array<{ event: string }>;
    expect(json.map((event) => event.event)).toEqual(expect.arrayContaining(['user.disabled', 'user.changed', 'session.ended']));

    for (let index = 0; index < 55; index += 1) await server.app.accounts.createUser({ username: `page-user-${String(index).padStart(2, '0')}`, password: 'page-user-password' });
    const first = await page(browser, '/admin/people?q=page-user');
    expect(first.html.match(/href="\/admin\/people\/[^"?]+"/g)).toHaveLength(50);
    const next = /href="(\/admin\/people\?q=page-user&amp;after=[^"]+)"/.exec(first.html)![1]!.replace(/&amp;/g, '&');
    const second = await page(browser, next);
    expect(second.html).toContain('page-user-54');
    expect(second.html).not.toContain('page-user-49<');
    expect(second.html.match(/href="\/admin\/people\/[^"?]+"/g)).toHaveLength(5);
  });
});
