import type { KoaContextWithOIDC } from 'oidc-provider';
import { createProviderPages } from '../../interactions/create-provider-pages.js';

// What the provider hands these pages, copied in shape from oidc-provider's
// lib/helpers/user_code_form.js and lib/actions/end_session.js.
const INPUT_FORM = `<form id="op.deviceInputForm" novalidate method="post" action="/device">
  <input type="hidden" name="xsrf" value="xsrf-123"/>
  <input
    type="text" name="user_code" placeholder="Enter code" onfocus="this.select(); this.onfocus = undefined;" autofocus autocomplete="off"></input>
  </form>`;
const INPUT_FORM_AFTER_ERROR = INPUT_FORM.replace('type="text"', 'value="AB&lt;CD" type="text"');
const CONFIRM_FORM = `<form id="op.deviceConfirmForm" method="post" action="/device">
<input type="hidden" name="xsrf" value="xsrf-123"/>
<input type="hidden" name="user_code" value="ABCD-EFGH"/>
<input type="hidden" name="confirm" value="yes"/>
</form>`;
const LOGOUT_FORM = '<form id="op.logoutForm" method="post" action="/session/end/confirm"><input type="hidden" name="xsrf" value="xsrf-123"/></form>';

const HOSTILE = '<script>alert("x")</script>&\'';

interface FakeCtx {
  type?: string;
  body?: unknown;
  status: number;
  headers: Record<string, string>;
  oidc: { client?: { clientId: string; clientName?: string; logoUri?: string; postLogoutRedirectUris?: string[] }; session?: { accountId?: string }; entities?: Record<string, unknown> };
  state: Record<string, unknown>;
  set(name: string, value: string): void;
}

function fakeCtx(client?: FakeCtx['oidc']['client']): FakeCtx & KoaContextWithOIDC {
  const ctx: FakeCtx = {
    status: 400,
    headers: {},
    oidc: { client },
    state: { requestId: 'req-provider-page' },
    set(name, value) { this.headers[name.toLowerCase()] = value; },
  };
  return ctx as FakeCtx & KoaContextWithOIDC;
}

const pages = createProviderPages({ branding: { productName: 'Acme ID' } });

function html(ctx: FakeCtx): string {
  expect(ctx.type).toBe('html');
  expect(ctx.headers['cache-control']).toBe('no-store');
  expect(typeof ctx.body).toBe('string');
  const body = ctx.body as string;
  expect(body).toMatch(/^<!DOCTYPE html>/);
  expect(body).toContain('<link rel="stylesheet" href="/interaction-assets/style.css">');
  expect(body).not.toMatch(/<style|style="/);
  expect(body).not.toMatch(/<script|onfocus=/);
  return body;
}

function count(body: string, needle: string): number {
  return body.split(needle).length - 1;
}

describe('provider pages', () => {
  it('device code input embeds the provider form and one labelled user_code input tied to it', async () => {
    const ctx = fakeCtx();
    await pages.deviceCodeInput(ctx, INPUT_FORM);
    const body = html(ctx);
    expect(body).toContain('<form id="op.deviceInputForm" novalidate method="post" action="/device">');
    expect(body).toContain('<input type="hidden" name="xsrf" value="xsrf-123"/>');
    expect(count(body, 'name="user_code"')).toBe(1);
    expect(body).toMatch(/<input[^>]*id="user_code"[^>]*name="user_code"[^>]*form="op.deviceInputForm"/);
    expect(body).toContain('<label for="user_code">Code</label>');
    expect(body).toContain('<button class="primary" type="submit" form="op.deviceInputForm">Continue</button>');
    expect(body).toContain('Acme ID');
    expect(ctx.status).toBe(400);
  });

  it('device code input keeps the entered code, escaped, and explains the error', async () => {
    const ctx = fakeCtx();
    await pages.deviceCodeInput(ctx, INPUT_FORM_AFTER_ERROR, { error: 'the code was not found' });
    const body = html(ctx);
    expect(body).toContain('value="AB&lt;CD"');
    expect(body).toContain('The code you entered is incorrect. Try again.');
    expect(body).toContain('role="alert"');
  });

  it('device confirm names the app, escaped, shows the code and keeps confirm/abort field names', async () => {
    const ctx = fakeCtx();
    await pages.deviceCodeConfirm(ctx, CONFIRM_FORM, { clientId: 'tv-app', clientName: HOSTILE, logoUri: 'javascript:alert(1)' }, 'ABCD-EFGH');
    const body = html(ctx);
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;\'');
    expect(body).not.toContain(HOSTILE);
    expect(body).not.toContain('javascript:');
    expect(body).toContain('<code>ABCD-EFGH</code>');
    expect(body).toContain(CONFIRM_FORM);
    expect(body).toMatch(/<button[^>]*type="submit"[^>]*form="op.deviceConfirmForm"[^>]*>Allow<\/button>/);
    expect(body).toMatch(/<button[^>]*form="op.deviceConfirmForm"[^>]*name="abort"[^>]*value="yes"[^>]*>Cancel<\/button>/);
  });

  it('device confirm is the one question: it lists the scopes and claims asked for, and says sign-in comes next only when it does', async () => {
    const ctx = fakeCtx();
    (ctx as FakeCtx).oidc.entities = { DeviceCode: { params: { scope: 'openid profile', claims: JSON.stringify({ userinfo: { email: null, sub: null }, id_token: { email: { essential: true } } }) } } };
    await pages.deviceCodeConfirm(ctx, CONFIRM_FORM, { clientId: 'tv-app', clientName: 'Living Room TV' }, 'ABCD-EFGH');
    const body = html(ctx);
    expect(body).toContain('Living Room TV will be able to:');
    expect(body).toContain('See your name and username');
    expect(count(body, '<code class="scope-name">email</code>')).toBe(1);
    expect(body).not.toContain('<code class="scope-name">sub</code>');
    expect(body).toContain('You will sign in next.');
    expect(body).not.toContain('After you sign in');

    const signedIn = fakeCtx();
    (signedIn as FakeCtx).oidc.session = { accountId: 'account-1' };
    await pages.deviceCodeConfirm(signedIn, CONFIRM_FORM, { clientId: 'tv-app' }, 'ABCD-EFGH');
    expect(html(signedIn)).not.toContain('You will sign in next.');
  });

  it('device success names the app, escaped', async () => {
    const ctx = fakeCtx({ clientId: 'tv-app', clientName: HOSTILE });
    await pages.deviceSuccess(ctx);
    const body = html(ctx);
    expect(body).toContain('Device connected');
    expect(body).toContain('&lt;script&gt;');
    expect(body).not.toContain(HOSTILE);
  });

  it('logout confirm asks "Sign out of <brand>?" and offers "Sign out" (logout=yes) and "Stay signed in" on the provider form', async () => {
    const ctx = fakeCtx({ clientId: 'web', clientName: HOSTILE });
    await pages.logoutConfirm(ctx, LOGOUT_FORM);
    const body = html(ctx);
    expect(body).toContain('<h1>Sign out of Acme ID?</h1>');
    expect(body).toContain(LOGOUT_FORM);
    expect(body).toMatch(/<button[^>]*form="op.logoutForm"[^>]*name="logout"[^>]*value="yes"[^>]*>Sign out<\/button>/);
    expect(body).toMatch(/<button class="secondary" type="submit" form="op.logoutForm">Stay signed in<\/button>/);
    expect(body).not.toContain(HOSTILE);
  });

  it('logout success offers a way back: the app\'s post-logout URI when known, else the start page', async () => {
    const anonymous = fakeCtx();
    await pages.logoutSuccess(anonymous);
    expect(html(anonymous)).toContain('You are signed out');
    expect(html(anonymous)).toMatch(/<a class="button primary" href="\/">Go to the start page<\/a>/);
    const named = fakeCtx({ clientId: 'web', clientName: 'Web <App>', postLogoutRedirectUris: ['https://web.example.com/bye'] });
    await pages.logoutSuccess(named);
    expect(html(named)).toContain('Web &lt;App&gt;');
    expect(html(named)).toMatch(/<a class="button primary" href="https:\/\/web.example.com\/bye">Back to Web &lt;App&gt;<\/a>/);
    const scheme = fakeCtx({ clientId: 'app', postLogoutRedirectUris: ['javascript:alert(1)'] });
    await pages.logoutSuccess(scheme);
    expect(html(scheme)).not.toContain('javascript:');
    expect(html(scheme)).toContain('Go to the start page');
  });

  it('error page shows code and description escaped, and leaves the status alone', async () => {
    const ctx = fakeCtx();
    await pages.error(ctx, { error: 'invalid_request', error_description: `bad ${HOSTILE}` });
    const body = html(ctx);
    expect(body).toContain('<code>invalid_request</code>');
    expect(body).toContain('bad &lt;script&gt;');
    expect(body).not.toContain(HOSTILE);
    expect(body).toContain('req-provider-page');
    expect(ctx.status).toBe(400);
  });

  it('defaults the product name to a neutral one, never "Sign in"', async () => {
    const ctx = fakeCtx();
    await createProviderPages().logoutSuccess(ctx);
    expect(html(ctx)).toContain('<p class="brand-name">Account</p>');
  });
});
