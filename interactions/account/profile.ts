import type { Middleware } from 'koa';
import { z } from 'zod';
import type { User } from '../../src/accounts/account-service.js';
import { formatDate, renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';

// Post/redirect/get: a finished action comes back as ?done=<what>, shown once.
const NOTICES: Record<string, string> = {
  profile: 'Your profile was saved.',
  password: 'Your password was changed. Every other device was signed out.',
};

const profileForm = z.object({ name: z.string().max(200) });

function profileOf(user: User) {
  return {
    username: user.username,
    name: user.name ?? '',
    email: user.email,
    emailVerified: user.emailVerified,
    role: user.role,
    memberSince: formatDate(user.createdAt),
    lastSignIn: formatDate(user.lastLoginAt),
  };
}

/** GET /account */
export function createShowProfile(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const notice = typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined;
    await renderAccountPage(ctx, deps, 'account-profile', 'profile', { title: 'Your account', notice, profile: profileOf(user) });
  };
}

/** POST /account/profile: the display name (an e-mail change would need verification, so it stays with operators). */
export function createUpdateProfile(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const form = profileForm.safeParse(ctx.request.body);
    if (!form.success || !(await deps.self.updateName(user.id, form.data.name))) {
      await renderAccountPage(ctx, deps, 'account-profile', 'profile', {
        title: 'Your account', error: 'Your name can be at most 200 characters.', profile: profileOf(user),
      }, 400);
      return;
    }
    ctx.status = 303;
    ctx.redirect('/account?done=profile');
  };
}
