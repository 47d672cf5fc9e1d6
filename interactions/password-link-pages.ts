import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { PasswordLinkPurpose } from '../src/accounts/lifecycle/create-account-lifecycle.js';
import { fieldOf, originOf, renderDeadLink, type LifecyclePageDeps } from './lifecycle-pages.js';
import { FORGOT_PASSWORD_PATH } from './password-reset.js';

const passwordForm = z.object({ token: z.string().max(100), new_password: z.string().min(1).max(1024), confirm_password: z.string().max(1024) });

interface LinkPage {
  purpose: PasswordLinkPurpose;
  /** The route (GET shows the form, POST sets the password). */
  path: string;
  title: string;
  intro: (username: string) => string;
  button: string;
  done: string;
}

export const RESET_PAGE: LinkPage = {
  purpose: 'password_reset', path: '/account/reset-password', title: 'Choose a new password',
  intro: (username) => `For your account ${username}. Every device signed in to it will be signed out.`,
  button: 'Set new password', done: 'Your password was changed, and every device signed in to your account was signed out.',
};

export const INVITATION_PAGE: LinkPage = {
  purpose: 'invitation', path: '/account/invitation', title: 'Welcome: choose your password',
  intro: (username) => `Your username is ${username}. Choose a password to finish setting up your account.`,
  button: 'Set password', done: 'Your account is ready. Sign in with your username and the new password.',
};

const AGAIN = { href: FORGOT_PASSWORD_PATH, text: 'Ask for a new link' };

async function renderForm(ctx: Context, deps: LifecyclePageDeps, page: LinkPage, locals: { token: string; username: string; error?: string }, status = 200) {
  await deps.render(ctx, 'set-password', { title: page.title, action: page.path, intro: page.intro(locals.username), button: page.button, ...locals }, status);
}

/** GET: the form, while the link works; nothing is used up by opening it (mail scanners follow links). */
export function createShowPasswordLink(deps: LifecyclePageDeps, page: LinkPage): Middleware {
  return async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const account = await deps.lifecycle.checkPasswordLink(token, page.purpose);
    if (!account) return renderDeadLink(ctx, deps.render, AGAIN);
    return renderForm(ctx, deps, page, { token, username: account.username });
  };
}

/**
 * POST: sets the password (the account page's strength rules), uses the
 * link up (once, atomically) and signs out every session of the account.
 */
export function createRedeemPasswordLink(deps: LifecyclePageDeps, page: LinkPage): Middleware {
  return async (ctx) => {
    const form = passwordForm.safeParse(ctx.request.body);
    const token = fieldOf(ctx, 'token');
    const account = await deps.lifecycle.checkPasswordLink(token, page.purpose);
    if (!account) return renderDeadLink(ctx, deps.render, AGAIN);
    if (!form.success) return renderForm(ctx, deps, page, { token, username: account.username, error: 'Fill in both fields.' }, 400);
    if (form.data.new_password !== form.data.confirm_password) {
      return renderForm(ctx, deps, page, { token, username: account.username, error: 'The two passwords do not match.' }, 400);
    }
    const result = await deps.lifecycle.redeemPasswordLink(page.purpose, token, form.data.new_password, originOf(ctx, 'sign-in'));
    if (!result.ok && result.reason === 'invalid-password') return renderForm(ctx, deps, page, { token, username: account.username, error: result.message }, 400);
    if (!result.ok) return renderDeadLink(ctx, deps.render, AGAIN);
    await deps.signOutSessions(result.userId);
    await deps.render(ctx, 'set-password', { title: page.title, done: page.done, username: result.username });
  };
}
