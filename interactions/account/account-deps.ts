import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountSelfService } from '../../src/accounts/account-self-service.js';
import type { AuditEntry, AuditLog } from '../../src/audit/audit-log.js';
import type { AccountService, User } from '../../src/accounts/account-service.js';
import type { AccountLifecycle } from '../../src/accounts/lifecycle/create-account-lifecycle.js';
import type { SecondFactors } from '../../src/accounts/factors/second-factors.js';
import type { SecondFactorThrottle } from '../../src/accounts/factors/second-factor-throttle.js';
import type { AccountAppsService } from '../../src/clients/account-apps-service.js';
import type { ConnectedAppsService } from '../../src/oidc/account-pages/connected-apps-service.js';
import type { PageLocals, PageRenderer } from '../render-page.js';
import type { OneTimeSecrets } from './one-time-secret.js';
import type { PageView } from '../views-location.js';
import { requestOrigin } from '../../src/audit/request-origin.js';

/** What every account page may use. */
export interface AccountPageDeps {
  provider: Provider;
  accounts: AccountService;
  self: AccountSelfService;
  apps: AccountAppsService;
  connected: ConnectedAppsService;
  render: PageRenderer;
  /** Secure cookies when the issuer is https. */
  secureCookies: boolean;
  /** Hands a new client secret from a POST to the page after its redirect, shown once (one-time-secret.ts). */
  secrets: OneTimeSecrets;
  /** Every change made on these pages is written here (absent in page-only tests). */
  audit?: AuditLog;
  /** Strong authentication: the Security page (account/security.ts); absent, the page is not offered. */
  factors?: SecondFactors;
  factorThrottle?: SecondFactorThrottle;
  /** Account mails: the e-mail page (account/email.ts) changes an address through a confirmation link; absent, it is not offered. */
  lifecycle?: AccountLifecycle;
}

/** The signed-in person, set on ctx.state.signedIn by requireSignedIn. */
export interface SignedIn {
  user: User;
  /** The provider session's id (its cookie value); kept when other sessions are signed out. */
  sessionId: string;
}

export function signedInOf(ctx: Context): SignedIn {
  const signedIn = ctx.state.signedIn as SignedIn | undefined;
  if (!signedIn) throw new Error('account route mounted without requireSignedIn');
  return signedIn;
}

/** A route parameter; the handlers are typed as plain koa Middleware, which does not know @koa/router's ctx.params. */
export function paramOf(ctx: Context, name: string): string {
  return String((ctx as unknown as { params: Record<string, string> }).params[name] ?? '');
}

/**
 * Records a change the signed-in person made on an account page: they are the
 * actor, with the request's address and user agent, and details.source
 * `account` tells it from the same change made with the CLI.
 */
export async function recordAccountChange(ctx: Context, deps: AccountPageDeps, entry: Pick<AuditEntry, 'event' | 'clientId' | 'details'>): Promise<void> {
  const { user } = signedInOf(ctx);
  await deps.audit?.record({
    ...entry, actor: user.id, ...requestOrigin(ctx), details: { source: 'account', ...entry.details },
  });
}

export type AccountSection = 'profile' | 'password' | 'security' | 'connected' | 'apps';

const DATE = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });

export function formatDate(date: Date | null | undefined): string {
  return date ? DATE.format(date) : '—';
}

/** Renders an account page: the wide layout, the navigation and who is signed in. */
export async function renderAccountPage(
  ctx: Context, deps: AccountPageDeps, view: PageView, section: AccountSection, locals: PageLocals, status = 200,
): Promise<void> {
  const { user } = signedInOf(ctx);
  await deps.render(ctx, view, {
    wide: true,
    section,
    viewer: { username: user.username, name: user.name, role: user.role, isStaff: user.role !== 'user' },
    ...locals,
  }, status);
}
