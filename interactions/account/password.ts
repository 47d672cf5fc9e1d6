import type { Middleware } from 'koa';
import { z } from 'zod';
import { recordAccountChange, renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';

const passwordForm = z.object({
  current_password: z.string().min(1).max(1024),
  new_password: z.string().min(1).max(1024),
  confirm_password: z.string().max(1024),
});

/** GET /account/password */
export function createShowPassword(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    await renderAccountPage(ctx, deps, 'account-password', 'password', { title: 'Change password' });
  };
}

/**
 * POST /account/password: the current password is required (a session left
 * open on a shared computer must not be enough), the new one is hashed with
 * bcrypt, and every other session of the account is ended.
 */
export function createChangePassword(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user, sessionId } = signedInOf(ctx);
    const form = passwordForm.safeParse(ctx.request.body);
    const fail = (error: string, status = 400) => renderAccountPage(ctx, deps, 'account-password', 'password', { title: 'Change password', error }, status);
    if (!form.success) return fail('Fill in all three fields.');
    const { current_password: current, new_password: next, confirm_password: confirm } = form.data;
    if (next !== confirm) return fail('The new password and its confirmation do not match.');
    const result = await deps.self.changePassword(user.id, current, next);
    if (!result.ok) return fail(result.message, result.reason === 'wrong-current' ? 401 : 400);
    await deps.connected.signOutOtherSessions(user.id, sessionId);
    await recordAccountChange(ctx, deps, { event: 'user.changed', details: { user_id: user.id, change: 'password' } });
    ctx.status = 303;
    ctx.redirect('/account?done=password');
  };
}
