import type { Middleware } from 'koa';
import { InvalidAccountInputError } from '../../src/accounts/account-errors.js';
import type { User } from '../../src/accounts/account-service.js';
import { formatDate, recordAccountChange, renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';
import { describeProblem, profileChanges, profileForm, profileSections, type ProfileForm } from './profile-form.js';

// Post/redirect/get: a finished action comes back as ?done=<what>, shown once.
const NOTICES: Record<string, string> = {
  profile: 'Your profile was saved.',
  password: 'Your password was changed. Every other device was signed out.',
};

function profileOf(user: User, submitted?: ProfileForm) {
  return {
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    phoneVerified: Boolean(user.claims.phone_number && user.claims.phone_number_verified),
    role: user.role,
    memberSince: formatDate(user.createdAt),
    lastSignIn: formatDate(user.lastLoginAt),
    sections: profileSections(user, submitted),
  };
}

/** The e-mail page (email.ts), where mail goes out: an address changes through a confirmation link. */
const emailHrefOf = (deps: AccountPageDeps) => (deps.lifecycle?.mailEnabled ? '/account/email' : undefined);

/** GET /account */
export function createShowProfile(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const notice = typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined;
    await renderAccountPage(ctx, deps, 'account-profile', 'profile', { title: 'Your account', notice, profile: profileOf(user), emailHref: emailHrefOf(deps) });
  };
}

/**
 * POST /account/profile: the name and the standard claims of profile-form.ts
 * (the address changes on the e-mail page, through a confirmation link: email.ts).
 * A refused form comes back with what was typed and one line per problem.
 */
export function createUpdateProfile(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const form = profileForm.safeParse(ctx.request.body);
    let problems = form.success ? [] : ['Some fields could not be read (each may be at most 4096 characters)'];
    if (form.success) {
      try {
        await deps.accounts.updateProfile(user.id, profileChanges(user, form.data));
      } catch (error) {
        if (!(error instanceof InvalidAccountInputError)) throw error;
        problems = error.problems.map(describeProblem);
      }
    }
    if (problems.length > 0) {
      await renderAccountPage(ctx, deps, 'account-profile', 'profile', {
        title: 'Your account', error: `Your profile was not saved. ${problems.join('. ')}.`, profile: profileOf(user, form.data), emailHref: emailHrefOf(deps),
      }, 400);
      return;
    }
    await recordAccountChange(ctx, deps, { event: 'user.changed', details: { user_id: user.id, change: 'profile' } });
    ctx.status = 303;
    ctx.redirect('/account?done=profile');
  };
}
