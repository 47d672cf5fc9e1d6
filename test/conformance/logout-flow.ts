import { readForm } from '../support/http-browser.js';
import { POST_LOGOUT_REDIRECT_URI, RecordingBrowser, authorize, authorizationParams, randomValue, type ConformanceContext } from './conformance-client.js';
import { runCodeFlow } from './code-flow.js';
import { expectErrorResponse, readAuthorizationResponse } from './op-checks.js';

/**
 * The RP side of OpenID Connect RP-Initiated Logout 1.0 as the suite's
 * AbstractOIDCCRpInitiatedLogout drives it: sign in, send the browser to
 * end_session_endpoint, confirm on the server's page, see where it lands,
 * then prove the session is gone with a prompt=none request.
 */

export interface SignedIn {
  readonly browser: RecordingBrowser;
  readonly idToken: string;
  readonly claims: Record<string, unknown>;
}

export async function signIn(ctx: ConformanceContext): Promise<SignedIn> {
  const browser = new RecordingBrowser(ctx.issuer);
  // The logout modules use 128-character states to catch truncation.
  const { tokens, claims } = await runCodeFlow(ctx, 'query', { state: randomValue(128) }, { browser });
  return { browser, idToken: tokens.id_token, claims };
}

/** Where the browser ended: the relying party (a foreign URL) or a page of the server. */
export type LogoutStep = { kind: 'redirect'; url: URL } | { kind: 'page'; status: number; html: string };

async function step(issuer: string, started: { response: Response; url: string }): Promise<LogoutStep> {
  if (new URL(started.url).origin !== issuer) return { kind: 'redirect', url: new URL(started.url) };
  return { kind: 'page', status: started.response.status, html: await started.response.text() };
}

/** GET end_session_endpoint with `params` (the suite redirects the browser there). */
export async function endSession(ctx: ConformanceContext, signedIn: SignedIn, params: Record<string, string>): Promise<LogoutStep> {
  const url = `${String(ctx.metadata.end_session_endpoint)}?${new URLSearchParams(params)}`;
  return step(ctx.issuer, await signedIn.browser.follow(url));
}

/** The server's "Sign out?" page: the End-User confirms (RP-Initiated Logout §2: the OP SHOULD ask). */
export async function confirmLogout(ctx: ConformanceContext, signedIn: SignedIn, page: LogoutStep): Promise<LogoutStep> {
  if (page.kind !== 'page') throw new Error(`expected the logout confirmation page, got a redirect to ${page.url}`);
  expect(page.status).toBe(200);
  expect(page.html).toContain('<h1>Sign out of ');
  const form = readForm(page.html, /\/session\/end\/confirm$/);
  return step(ctx.issuer, await signedIn.browser.follow(form.action, { form: { ...form.fields, logout: 'yes' } }));
}

/** RP-Initiated Logout §3: back at the registered post_logout_redirect_uri with the state sent, and nothing else. */
export function expectPostLogoutRedirect(landed: LogoutStep, state: string | undefined): void {
  if (landed.kind !== 'redirect') throw new Error(`expected a redirect to post_logout_redirect_uri, got a page (${landed.status})`);
  expect(`${landed.url.origin}${landed.url.pathname}`).toBe(POST_LOGOUT_REDIRECT_URI);
  expect(Object.fromEntries(landed.url.searchParams)).toEqual(state === undefined ? {} : { state });
  expect(landed.url.hash).toBe('');
}

/** The server's own "You are signed out" page: no redirect to the relying party. */
export function expectSignedOutPage(landed: LogoutStep): void {
  if (landed.kind !== 'page') throw new Error(`expected the signed-out page, got a redirect to ${landed.url}`);
  expect(landed.status).toBe(200);
  expect(landed.html).toContain('You are signed out');
}

/** An error page instead of a redirect (bad post_logout_redirect_uri, bad id_token_hint). */
export function expectLogoutErrorPage(landed: LogoutStep, code: string): void {
  if (landed.kind !== 'page') throw new Error(`expected an error page, got a redirect to ${landed.url}`);
  expect(landed.status).toBeGreaterThanOrEqual(400);
  expect(landed.status).toBeLessThan(500);
  expect(landed.html).toContain(code);
  expect(landed.html).not.toContain('<h1>Sign out of ');
}

/** The second authorization of the logout modules: prompt=none must fail now that the session has ended. */
export async function expectSessionEnded(ctx: ConformanceContext, signedIn: SignedIn): Promise<void> {
  const request = authorizationParams('query', { prompt: 'none', state: randomValue(128) });
  const run = await authorize(ctx, request, { browser: signedIn.browser });
  expectErrorResponse(ctx, readAuthorizationResponse(run, 'query'), request.state, ['login_required', 'interaction_required', 'account_selection_required', 'consent_required']);
}

/** The session still works: prompt=none succeeds (after a refused logout request). */
export async function expectSessionAlive(ctx: ConformanceContext, signedIn: SignedIn): Promise<void> {
  const { run } = await runCodeFlow(ctx, 'query', { prompt: 'none' }, { browser: signedIn.browser });
  expect(run.interacted).toBe(false);
}
