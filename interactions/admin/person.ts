import type { Context, Middleware } from 'koa';
import type { User } from '../../src/accounts/account-service.js';
import type { FactorOverview } from '../../src/accounts/factors/second-factors.js';
import { ROLES, type Role } from '../../src/db/schema.js';
import type { SessionSummary } from '../../src/oidc/sessions/operator-sessions-service.js';
import { paramOf } from '../account/account-deps.js';
import { renderErrorPage } from '../render-page.js';
import { formatDateTime, operatorOf, renderAdminPage, type AdminPageDeps, type AdminServices, type Operator } from './admin-deps.js';
import { personHref } from './people.js';

const RANK: Record<Role, number> = { user: 0, staff: 1, superuser: 2 };

/** Staff act on people up to their own role; superusers on everyone. Nobody disables or demotes themselves here. */
export function mayActOn(operator: Operator, person: User): boolean {
  return RANK[person.role] <= RANK[operator.user.role];
}

export async function findPersonOr404(ctx: Context, deps: AdminPageDeps): Promise<User | undefined> {
  const user = await deps.accounts.findUser(paramOf(ctx, 'id'));
  if (!user) {
    await renderErrorPage(ctx, deps.render, { status: 404, heading: 'No such person', description: 'There is no account with this id.', code: 'not_found', links: [{ href: '/admin/people', text: 'People' }] });
  }
  return user;
}

/** Client names for a list of client ids (the few apps of one page). */
export async function clientNames(deps: AdminServices, ids: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  const found = await Promise.all(unique.map(async (id) => [id, (await deps.clients.findClient(id))?.name ?? id] as const));
  return new Map(found);
}

export function sessionRows(sessions: SessionSummary[], names: Map<string, string>, back: string) {
  return sessions.map((session) => ({
    id: session.id, current: session.current, username: session.username ?? session.accountId, personHref: personHref(session.accountId),
    signedIn: formatDateTime(session.signedInAt), lastActive: formatDateTime(session.lastActiveAt), expires: formatDateTime(session.expiresAt),
    methods: session.methods.join(' ') || '—', apps: session.clientIds.map((id) => names.get(id) ?? id),
    endAction: `${personHref(session.accountId)}/sessions/${encodeURIComponent(session.id)}/end`, back,
  }));
}

function factorRows(overview: FactorOverview | undefined) {
  if (!overview) return undefined;
  const rows = overview.passkeys.map((passkey) => ({ kind: 'Passkey', name: passkey.name, added: formatDateTime(passkey.createdAt), lastUsed: formatDateTime(passkey.lastUsedAt) }));
  if (overview.totp?.confirmedAt) rows.push({ kind: 'Authenticator app', name: '—', added: formatDateTime(overview.totp.confirmedAt), lastUsed: formatDateTime(overview.totp.lastUsedAt) });
  const codes = overview.recoveryCodes;
  if (codes.total > 0) rows.push({ kind: 'Recovery codes', name: `${codes.left} of ${codes.total} left`, added: formatDateTime(codes.createdAt), lastUsed: formatDateTime(codes.used[0]) });
  return rows;
}

const NOTICES: Record<string, string> = {
  disabled: 'The account is disabled. Its sessions, grants and tokens were revoked.',
  enabled: 'The account is enabled again. The person signs in afresh; nothing revoked came back.',
  role: 'The role was changed.',
  'mfa-reset': 'Every second factor was removed and the person was signed out everywhere. They set up a new one at their next sign-in when one is required.',
  'signed-out': 'The person was signed out everywhere: every session, grant and token was revoked.',
  'session-ended': 'The session was ended.',
  'app-revoked': 'The app’s access was removed: its grant and every token issued under it are revoked.',
  'reset-link': 'A password-reset link was mailed to the person’s address (unless a recent one was; links are limited per account).',
};

/** A back-channel logout that did not reach every app (person-actions.ts redirectDone counts them). */
function unreachedNote(value: unknown): string | undefined {
  const count = typeof value === 'string' && /^[1-9]\d{0,3}$/.test(value) ? Number(value) : 0;
  return count ? `${count} app${count === 1 ? '' : 's'} could not be told by back-channel logout; they may keep the person signed in until their own session ends.` : undefined;
}

/** GET /admin/people/:id: profile, role, status, second factors (names only), sessions, connected apps, recent events. */
export function createShowPerson(deps: AdminPageDeps): Middleware {
  return async (ctx) => {
    const user = await findPersonOr404(ctx, deps);
    if (!user) return;
    const operator = operatorOf(ctx);
    const [factors, sessions, apps, events] = await Promise.all([
      deps.factors?.overview(user.id),
      deps.sessions.listForPerson(user.id, operator.sessionId),
      deps.connected.list(user.id),
      deps.trail.search({ person: user.id }, { limit: 10 }),
    ]);
    const href = personHref(user.id);
    const names = await clientNames(deps, sessions.flatMap((session) => session.clientIds));
    const self = operator.user.id === user.id;
    const mayAct = mayActOn(operator, user);
    await renderAdminPage(ctx, deps, 'admin-person', 'people', {
      title: user.username,
      notice: typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined,
      error: unreachedNote(ctx.query.unreached),
      person: {
        id: user.id, username: user.username, name: user.name ?? '—', email: user.email ?? '—', emailVerified: user.emailVerified, role: user.role,
        active: user.active, lastLogin: formatDateTime(user.lastLoginAt), created: formatDateTime(user.createdAt), href,
      },
      factors: factorRows(factors),
      sessions: sessionRows(sessions, names, href),
      apps: apps.map((app) => ({
        name: app.clientName, clientId: app.clientId, scopes: app.scopes.join(' '), granted: formatDateTime(app.grantedAt), appHref: `/admin/apps/${encodeURIComponent(app.clientId)}`,
        revokeAction: `${href}/apps/${encodeURIComponent(app.clientId)}/revoke`,
      })),
      events: events.events.map((event) => ({ event: event.event, when: formatDateTime(event.createdAt), clientId: event.clientId ?? '', ip: event.ip ?? '' })),
      auditHref: `/admin/audit?${new URLSearchParams({ person: user.id })}`,
      can: {
        act: mayAct,
        disable: mayAct && !self && user.active,
        enable: mayAct && !user.active,
        role: operator.superuser && !self,
        resetMfa: mayAct && !self && Boolean(deps.factors),
        signOut: mayAct,
        passwordReset: mayAct && !self && user.active && Boolean(user.email) && deps.lifecycle?.mailEnabled === true,
      },
      mailEnabled: deps.lifecycle?.mailEnabled === true,
      roles: ROLES,
    });
  };
}
