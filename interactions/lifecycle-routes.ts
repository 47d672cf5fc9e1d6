import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import { LINK_PATHS } from '../src/accounts/lifecycle/create-account-lifecycle.js';
import type { InteractionDeps } from './interaction-deps.js';
import type { LifecyclePageDeps } from './lifecycle-pages.js';
import { createRedeemPasswordLink, createShowPasswordLink, INVITATION_PAGE, RESET_PAGE } from './password-link-pages.js';
import { createRequestPasswordReset, createShowForgotPassword, FORGOT_PASSWORD_PATH } from './password-reset.js';
import { createShowSignUp, createSignInInstead, createSubmitSignUp } from './sign-up.js';
import { createConfirmEmail, createShowVerifyEmail } from './verify-email.js';

/**
 * The account lifecycle's pages (issue 14). The mailed links' pages exist
 * only where mail goes out (not in production without SMTP_URL); the sign-up
 * steps only with SIGNUP other than off. `post` is the body parser and the
 * CSRF check, as for every form.
 */
export function addLifecycleRoutes(router: Router, deps: LifecyclePageDeps, interaction: InteractionDeps, post: Middleware[]): void {
  if (deps.lifecycle.mailEnabled) {
    router.get(FORGOT_PASSWORD_PATH, createShowForgotPassword(deps));
    router.post(FORGOT_PASSWORD_PATH, ...post, createRequestPasswordReset(deps));
    router.get(LINK_PATHS.passwordReset, createShowPasswordLink(deps, RESET_PAGE));
    router.post(LINK_PATHS.passwordReset, ...post, createRedeemPasswordLink(deps, RESET_PAGE));
    router.get(LINK_PATHS.invitation, createShowPasswordLink(deps, INVITATION_PAGE));
    router.post(LINK_PATHS.invitation, ...post, createRedeemPasswordLink(deps, INVITATION_PAGE));
    router.get(LINK_PATHS.verifyEmail, createShowVerifyEmail(deps));
    router.post(LINK_PATHS.verifyEmail, ...post, createConfirmEmail(deps));
  }
  if (deps.lifecycle.signup !== 'off') {
    router.get('/interaction/:uid/sign-up', createShowSignUp(interaction));
    router.post('/interaction/:uid/sign-up', ...post, createSubmitSignUp(interaction));
    router.post('/interaction/:uid/sign-in-instead', ...post, createSignInInstead(interaction));
  }
}
