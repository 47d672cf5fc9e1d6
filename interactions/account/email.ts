import type { Middleware, Context } from 'koa';
import type { AccountLifecycle } from '../../src/accounts/lifecycle/create-account-lifecycle.js';
import { fieldOf, originOf } from '../lifecycle-pages.js';
import { renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';

// Post/redirect/get: a finished action comes back as ?done=<what>, shown once.
const NOTICES: Record<string, string> = {
  change: 'We sent a link to the new address. Your address stays the same until you open it; we also told your current address.',
  verify: 'We sent a new confirmation link to your address.',
};

async function renderEmailPage(ctx: Context, deps: AccountPageDeps, lifecycle: AccountLifecycle, extra: { error?: string; typed?: string } = {}, status = 200) {
  const { user } = signedInOf(ctx);
  const notice = typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined;
  await renderAccountPage(ctx, deps, 'account-email', 'profile', {
    title: 'E-mail address',
    notice: extra.error ? undefined : notice,
    error: extra.error,
    email: user.email,
    emailVerified: user.emailVerified,
    pending: await lifecycle.pendingEmailChange(user.id),
    typed: extra.typed ?? '',
  }, status);
}

/** GET /account/email: the address, whether it is verified, a pending change, and the form to change it. */
export function createShowEmail(deps: AccountPageDeps, lifecycle: AccountLifecycle): Middleware {
  return async (ctx) => renderEmailPage(ctx, deps, lifecycle);
}

/**
 * POST /account/email: asks for a change (or, for the current unverified
 * address, a new confirmation link). Nothing changes until the link mailed
 * to the new address is opened; the mails go out without waiting for them.
 */
export function createRequestEmailChange(deps: AccountPageDeps, lifecycle: AccountLifecycle): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const typed = fieldOf(ctx, 'email').slice(0, 254);
    const result = await lifecycle.requestEmailChange(user, typed, originOf(ctx, 'account'));
    if (!result.ok) return renderEmailPage(ctx, deps, lifecycle, { error: result.message, typed }, result.reason === 'throttled' ? 429 : 400);
    void result.delivery;
    ctx.status = 303;
    ctx.redirect(`/account/email?done=${result.kind}`);
  };
}
