import type { Context, Middleware } from 'koa';
import { isMultiFactor } from '../../src/accounts/factors/authentication-methods.js';
import { MFA_ACR } from '../../src/oidc/configuration/build-id-token-claims.js';
import { SIGN_IN_PATH } from '../account/account-session.js';
import { renderErrorPage } from '../render-page.js';
import { operatorOf, type AdminPageDeps } from './admin-deps.js';

interface ProviderSession {
  accountId?: string;
  jti: string;
  amr?: string[];
  acr?: string;
}

/** Back through the account area's sign-in (an authorization request of its own client), then here again. */
function toSignIn(ctx: Context): void {
  const back = ctx.method === 'GET' ? ctx.path : '/admin';
  ctx.status = 303;
  ctx.redirect(`${SIGN_IN_PATH}?${new URLSearchParams({ return: back })}`);
}

async function refuse(ctx: Context, deps: AdminPageDeps, description: string): Promise<void> {
  // Nothing of the console: no navigation, no names, no counts.
  await renderErrorPage(ctx, deps.render, {
    status: 403, heading: 'You do not have access to this page', description, code: 'forbidden', links: [{ href: '/account', text: 'Your account' }],
  });
}

/**
 * The console's gate. Who is signed in comes from oidc-provider's own session
 * (the account area's sign-in, account-session.ts); a disabled account is
 * signed out here too. Only staff and superusers pass. When MFA_REQUIRED_ROLES
 * names the operator's role and this session was not made with two factors
 * (RFC 8176 amr; e.g. the role was given after the sign-in), the person goes
 * through sign-in again, where the interaction policy's role_requires_mfa
 * check (build-interaction-policy.ts) asks for the second factor.
 */
export function requireOperator(deps: AdminPageDeps): Middleware {
  return async (ctx, next) => {
    const session = await deps.provider.Session.get(ctx as unknown as Parameters<typeof deps.provider.Session.get>[0]) as unknown as ProviderSession;
    const user = session.accountId ? await deps.accounts.findActiveUser(session.accountId) : undefined;
    if (!user) return toSignIn(ctx);
    if (user.role !== 'staff' && user.role !== 'superuser') return refuse(ctx, deps, 'The operator console is for staff and superusers.');
    const strong = isMultiFactor(session.amr) || session.acr === MFA_ACR;
    if (!strong && (await deps.factors?.policyFor(user.id))?.roleRequires) return toSignIn(ctx);
    ctx.state.operator = { user, sessionId: session.jti, superuser: user.role === 'superuser' };
    return next();
  };
}

/** Roles, apps and keys: superusers only (mount after requireOperator). */
export function requireSuperuser(deps: AdminPageDeps): Middleware {
  return async (ctx, next) => {
    if (!operatorOf(ctx).superuser) return refuse(ctx, deps, 'Only a superuser can change roles, apps and signing keys.');
    return next();
  };
}
