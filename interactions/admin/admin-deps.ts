import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService, User } from '../../src/accounts/account-service.js';
import type { SecondFactors } from '../../src/accounts/factors/second-factors.js';
import type { AccountLifecycle } from '../../src/accounts/lifecycle/create-account-lifecycle.js';
import type { AuditEntry, AuditLog } from '../../src/audit/audit-log.js';
import type { AuditTrail } from '../../src/audit/audit-trail.js';
import { withAccountAudit, type AuditOrigin } from '../../src/audit/audited-account-service.js';
import { withClientAudit } from '../../src/audit/audited-client-service.js';
import type { ClientService } from '../../src/clients/client-service.js';
import type { ConnectedAppsService } from '../../src/oidc/account-pages/connected-apps-service.js';
import type { SigningKeyService } from '../../src/oidc/keys/signing-key-service.js';
import type { OperatorSessions } from '../../src/oidc/sessions/operator-sessions-service.js';
import type { OneTimeSecrets } from '../account/one-time-secret.js';
import type { PageLocals, PageRenderer } from '../render-page.js';
import type { PageView } from '../views-location.js';
import { requestOrigin } from '../../src/audit/request-origin.js';

/**
 * The services the operator console works through: the same ones the CLI
 * uses (accounts, clients, second factors, signing keys, the audit trail).
 * Accounts and clients come unaudited; each request wraps them with the
 * operator as actor (auditedAccounts, auditedClients).
 */
export interface AdminServices {
  accounts: AccountService;
  clients: ClientService;
  connected: ConnectedAppsService;
  sessions: OperatorSessions;
  trail: AuditTrail;
  keys: SigningKeyService;
  audit: AuditLog;
  /** Strong authentication; absent, the second-factor parts of the console are not shown. */
  factors?: SecondFactors;
  /** Account mails (issue 14): a password-reset link, when mail is on (mailEnabled). */
  lifecycle?: Pick<AccountLifecycle, 'mailEnabled' | 'requestPasswordReset'>;
}

export interface AdminPageDeps extends AdminServices {
  provider: Provider;
  render: PageRenderer;
  secureCookies: boolean;
  /** A rotated client secret, from the POST to the page after its redirect, shown once. */
  secrets: OneTimeSecrets;
}

/** The signed-in staff member or superuser, set on ctx.state.operator by requireOperator. */
export interface Operator {
  user: User;
  /** The provider session's id (its cookie value), to mark "this session" in lists. */
  sessionId: string;
  superuser: boolean;
}

export function operatorOf(ctx: Context): Operator {
  const operator = ctx.state.operator as Operator | undefined;
  if (!operator) throw new Error('admin route mounted without requireOperator');
  return operator;
}

function originOf(ctx: Context): AuditOrigin {
  return { actor: operatorOf(ctx).user.id, source: 'admin', ...requestOrigin(ctx) };
}

/** The account service with every change audited: the operator as actor, details.source `admin`. */
export function auditedAccounts(ctx: Context, deps: AdminServices): AccountService {
  return withAccountAudit(deps.accounts, deps.audit, originOf(ctx));
}

export function auditedClients(ctx: Context, deps: AdminServices): ClientService {
  return withClientAudit(deps.clients, deps.audit, originOf(ctx));
}

/** An action with no audited service method behind it (sessions, grants, keys, second factors). */
export async function recordOperatorAction(ctx: Context, deps: AdminServices, entry: Pick<AuditEntry, 'event' | 'clientId' | 'details'>): Promise<void> {
  const origin = originOf(ctx);
  await deps.audit.record({ ...entry, actor: origin.actor, ip: origin.ip, userAgent: origin.userAgent, details: { source: 'admin', ...entry.details } });
}

export type AdminSection = 'overview' | 'people' | 'apps' | 'sessions' | 'audit';

const DATE_TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** Dates in UTC, the zone of the audit export. */
export function formatDateTime(date: Date | null | undefined): string {
  return date ? `${DATE_TIME.format(date)} UTC` : '—';
}

/** Renders a console page: the wide layout, the console's navigation and who is signed in. */
export async function renderAdminPage(
  ctx: Context, deps: AdminPageDeps, view: PageView, section: AdminSection, locals: PageLocals, status = 200,
): Promise<void> {
  const { user, superuser } = operatorOf(ctx);
  await deps.render(ctx, view, { wide: true, section, operator: { username: user.username, role: user.role, superuser }, ...locals }, status);
}

/** A path inside the console to come back to after an action (never another site). */
export function backPathOf(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^\/admin(\/[A-Za-z0-9._~%-]+)*(\?[A-Za-z0-9._~%=&-]*)?$/.test(value) ? value : fallback;
}

export const PAGE_SIZE = 50;
