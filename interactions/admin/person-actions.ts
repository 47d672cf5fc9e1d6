import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { User } from '../../src/accounts/account-service.js';
import { ROLES } from '../../src/db/schema.js';
import type { LogoutDelivery } from '../../src/oidc/back-channel-logout/operator-logout.js';
import { renderErrorPage } from '../render-page.js';
import { confirmed } from './admin-confirm.js';
import { auditedAccounts, operatorOf, recordOperatorAction, type AdminPageDeps } from './admin-deps.js';
import { personHref } from './people.js';
import { findPersonOr404, mayActOn } from './person.js';
import { requestOrigin } from '../../src/audit/request-origin.js';

/** After the change, back to the person's page with what happened (and how many apps a back-channel logout missed). */
export function redirectDone(ctx: Context, href: string, done: string, delivery?: LogoutDelivery): void {
  const failed = delivery?.failed.length ?? 0;
  ctx.status = 303;
  ctx.redirect(`${href}?${new URLSearchParams({ done, ...(failed ? { unreached: String(failed) } : {}) })}`);
}

async function refuse(ctx: Context, deps: AdminPageDeps, description: string): Promise<void> {
  await renderErrorPage(ctx, deps.render, { status: 403, heading: 'This change is not allowed', description, code: 'forbidden', links: [{ href: '/admin/people', text: 'People' }] });
}

/** Loads the person and checks the operator may act on them (and, unless `onSelf`, that it is not themselves). */
export function personAction(deps: AdminPageDeps, run: (ctx: Context, person: User) => Promise<void>, options: { onSelf?: boolean } = {}): Middleware {
  return async (ctx) => {
    const person = await findPersonOr404(ctx, deps);
    if (!person) return;
    const operator = operatorOf(ctx);
    if (!mayActOn(operator, person)) return refuse(ctx, deps, 'Staff can act on people up to their own role; a superuser can act on everyone.');
    if (!options.onSelf && operator.user.id === person.id) return refuse(ctx, deps, 'Use your own account page, or ask another operator, to change your own account.');
    return run(ctx, person);
  };
}

/** POST /admin/people/:id/disable: as `users disable` does, sessions, grants and tokens go, and apps are told by back-channel logout. */
export function createDisablePerson(deps: AdminPageDeps): Middleware {
  return personAction(deps, async (ctx, person) => {
    const go = await confirmed(ctx, deps, {
      heading: `Disable ${person.username}?`,
      description: 'They are signed out everywhere at once: every session, grant and token is revoked, and apps with a back-channel logout address are told. Enabling the account later does not bring any of it back.',
      button: 'Disable the account', cancelHref: personHref(person.id),
    });
    if (!go) return;
    const accounts = auditedAccounts(ctx, deps);
    const { delivery } = await deps.sessions.withBackChannelLogout(person.id, () => accounts.setActive(person.id, false));
    redirectDone(ctx, personHref(person.id), 'disabled', delivery);
  });
}

/** POST /admin/people/:id/enable (can be undone: no confirmation). */
export function createEnablePerson(deps: AdminPageDeps): Middleware {
  return personAction(deps, async (ctx, person) => {
    await auditedAccounts(ctx, deps).setActive(person.id, true);
    redirectDone(ctx, personHref(person.id), 'enabled');
  });
}

const roleForm = z.object({ role: z.enum(ROLES as [string, ...string[]]) });

/** POST /admin/people/:id/role (superusers, route-level check). */
export function createSetRole(deps: AdminPageDeps): Middleware {
  return personAction(deps, async (ctx, person) => {
    const parsed = roleForm.safeParse(ctx.request.body ?? {});
    if (!parsed.success) {
      return renderErrorPage(ctx, deps.render, { status: 400, heading: 'Choose a role', description: `A role is one of ${ROLES.join(', ')}.`, code: 'invalid_request', links: [{ href: personHref(person.id), text: 'Back' }] });
    }
    await auditedAccounts(ctx, deps).setRole(person.id, parsed.data.role as User['role']);
    return redirectDone(ctx, personHref(person.id), 'role');
  });
}

/** POST /admin/people/:id/reset-mfa: as `users mfa reset` does (every factor goes, and every session with it). */
export function createResetFactors(deps: AdminPageDeps): Middleware {
  return personAction(deps, async (ctx, person) => {
    const { factors } = deps;
    if (!factors) return refuse(ctx, deps, 'Second factors are not enabled on this server.');
    const go = await confirmed(ctx, deps, {
      heading: `Reset ${person.username}’s second factors?`,
      description: 'Every passkey, authenticator app and recovery code of the account is removed, and they are signed out everywhere. This cannot be undone; they set up a new factor at their next sign-in where one is required.',
      button: 'Reset second factors', cancelHref: personHref(person.id),
    });
    if (!go) return undefined;
    const { result: removed, delivery } = await deps.sessions.withBackChannelLogout(person.id, () => factors.reset(person.id));
    await recordOperatorAction(ctx, deps, { event: 'mfa.reset', details: { user_id: person.id, removed } });
    return redirectDone(ctx, personHref(person.id), 'mfa-reset', delivery);
  });
}

/** POST /admin/people/:id/sign-out: every session, grant and token of the person. */
export function createSignOutEverywhere(deps: AdminPageDeps): Middleware {
  return personAction(deps, async (ctx, person) => {
    const go = await confirmed(ctx, deps, {
      heading: `Sign ${person.username} out everywhere?`,
      description: 'Every session ends and every grant and token is revoked: each app needs the person to sign in again. This cannot be undone.',
      button: 'Sign out everywhere', cancelHref: personHref(person.id),
    });
    if (!go) return;
    const { revoked, delivery } = await deps.sessions.signOutEverywhere(person.id);
    await recordOperatorAction(ctx, deps, { event: 'session.ended', details: { user_id: person.id, everywhere: true, revoked } });
    redirectDone(ctx, personHref(person.id), 'signed-out', delivery);
  }, { onSelf: true });
}

/**
 * POST /admin/people/:id/password-reset: mails the person a reset link, the
 * one "Forgot password" sends (src/accounts/lifecycle/password-links.ts:
 * throttled per account, replacing older links). Only when mail is on and
 * the account has an address. Nothing changes until the person uses it.
 */
export function createSendPasswordReset(deps: AdminPageDeps): Middleware {
  return personAction(deps, async (ctx, person) => {
    const { lifecycle } = deps;
    if (!lifecycle?.mailEnabled || !person.email || !person.active) return refuse(ctx, deps, 'A reset link needs outgoing mail, an active account and an e-mail address.');
    await lifecycle.requestPasswordReset(person.username, { source: 'admin', ...requestOrigin(ctx) });
    await recordOperatorAction(ctx, deps, { event: 'password_reset.requested', details: { user_id: person.id } });
    return redirectDone(ctx, personHref(person.id), 'reset-link');
  });
}
