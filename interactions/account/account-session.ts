import { randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { ACCOUNT_CALLBACK_PATH, ACCOUNT_PAGES_CLIENT_ID } from '../../src/oidc/account-pages/account-pages-client.js';
import { matchesSecret } from '../csrf.js';
import { renderErrorPage } from '../render-page.js';
import type { AccountPageDeps, SignedIn } from './account-deps.js';

const STATE_COOKIE = 'op.account_state';
export const SIGN_IN_PATH = '/account/sign-in';

/**
 * Who is signed in, read from oidc-provider's own session cookie
 * (Session.get builds the provider's context when ours has none, see
 * lib/models/session.js). No second login system: the account area trusts
 * exactly what the provider trusts, and a disabled user is signed out here too.
 */
async function loadSignedIn(ctx: Context, deps: AccountPageDeps): Promise<SignedIn | undefined> {
  const session = await deps.provider.Session.get(ctx as unknown as Parameters<typeof deps.provider.Session.get>[0]);
  if (!session.accountId) return undefined;
  const user = await deps.accounts.findActiveUser(session.accountId);
  return user ? { user, sessionId: session.jti } : undefined;
}

export function requireSignedIn(deps: AccountPageDeps): Middleware {
  return async (ctx, next) => {
    const signedIn = await loadSignedIn(ctx, deps);
    if (!signedIn) {
      // After signing in, a GET comes back to where it was going.
      const back = ctx.method === 'GET' ? `?${new URLSearchParams({ return: ctx.path })}` : '';
      ctx.status = 303;
      ctx.redirect(`${SIGN_IN_PATH}${back}`);
      return;
    }
    ctx.state.signedIn = signedIn;
    await next();
  };
}

function stateCookieOptions(deps: AccountPageDeps) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: deps.secureCookies, path: '/account', overwrite: true, signed: false };
}

/**
 * GET /account/sign-in: an authorization request for the account pages' client
 * (response_type=none, see account-pages-client.ts). `state` ties the
 * callback to this browser (RFC 6749 §10.12).
 */
export function createStartSignIn(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const state = randomBytes(24).toString('base64url');
    if (deps.secureCookies) ctx.cookies.secure = true;
    ctx.cookies.set(STATE_COOKIE, `${state}.${returnPathOf(ctx.query.return)}`, { ...stateCookieOptions(deps), maxAge: 10 * 60 * 1000 });
    const query = new URLSearchParams({
      client_id: ACCOUNT_PAGES_CLIENT_ID,
      response_type: 'none',
      scope: 'openid',
      redirect_uri: `${deps.provider.issuer}${ACCOUNT_CALLBACK_PATH}`,
      state,
    });
    ctx.status = 303;
    ctx.redirect(`${deps.provider.issuer}/auth?${query}`);
  };
}

/**
 * Only our own account pages, or the operator console's (interactions/admin/,
 * which signs in the same way): never an absolute or protocol-relative URL (no open redirect).
 */
function returnPathOf(value: unknown): string {
  return typeof value === 'string' && /^\/(account|admin)(\/[A-Za-z0-9._~%-]+)*$/.test(value) ? value : '/account';
}

/** GET /account/callback: the provider has signed the person in (or they cancelled). */
export function createSignInCallback(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    // The state is base64url (no dots); everything after the first dot is the return path, which may hold dots.
    const stored = ctx.cookies.get(STATE_COOKIE) ?? '';
    const dot = stored.indexOf('.');
    const expected = dot < 0 ? stored : stored.slice(0, dot);
    const returnPath = dot < 0 ? undefined : stored.slice(dot + 1);
    if (deps.secureCookies) ctx.cookies.secure = true;
    ctx.cookies.set(STATE_COOKIE, null, stateCookieOptions(deps));
    const links = [{ href: SIGN_IN_PATH, text: 'Sign in again' }];
    if (!matchesSecret(expected, ctx.query.state)) {
      return renderErrorPage(ctx, deps.render, {
        status: 400, heading: 'This sign-in link has expired', description: 'Start again from your account page.', code: 'invalid_state', links,
      });
    }
    if (typeof ctx.query.error === 'string') {
      return renderErrorPage(ctx, deps.render, {
        status: 200, heading: 'You did not sign in', description: 'Nothing was changed.', code: ctx.query.error, links,
      });
    }
    ctx.status = 303;
    ctx.redirect(returnPathOf(returnPath));
  };
}
