import type { Middleware } from 'koa';
import { LINK_PATHS } from '../src/accounts/lifecycle/create-account-lifecycle.js';
import { fieldOf, originOf, renderDeadLink, type LifecyclePageDeps } from './lifecycle-pages.js';

const AGAIN = { href: '/account/email', text: 'Send a new link from your account' };

/**
 * GET /account/verify-email?token=…: asks to confirm with a button. Opening
 * the link changes nothing, since mail scanners open links before people do;
 * the POST uses it up.
 */
export function createShowVerifyEmail(deps: LifecyclePageDeps): Middleware {
  return async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const link = await deps.lifecycle.checkVerifyLink(token);
    if (!link) return renderDeadLink(ctx, deps.render, AGAIN);
    await deps.render(ctx, 'verify-email', { title: 'Confirm your e-mail address', action: LINK_PATHS.verifyEmail, token, ...link });
  };
}

/** POST /account/verify-email: the address becomes the account's, verified; apps see email_verified=true from now on. */
export function createConfirmEmail(deps: LifecyclePageDeps): Middleware {
  return async (ctx) => {
    const result = await deps.lifecycle.confirmEmail(fieldOf(ctx, 'token'), originOf(ctx, 'account'));
    if (!result.ok) return renderDeadLink(ctx, deps.render, AGAIN);
    await deps.render(ctx, 'verify-email', { title: 'Address confirmed', done: true, email: result.email });
  };
}
