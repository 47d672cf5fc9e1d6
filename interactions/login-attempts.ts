import type { Context } from 'koa';
import type { AuditLog } from '../src/audit/audit-log.js';
import type { KnownBrowserCheck, LoginThrottle, LoginVerdict } from '../src/accounts/login-throttle.js';
import type { AccountService } from '../src/accounts/account-service.js';
import { isKnownAccount, KNOWN_BROWSER_COOKIE, withKnownAccount } from '../src/accounts/known-browser.js';
import { requestOrigin } from '../src/audit/request-origin.js';

/** Optional extras of the login step: brute-force throttling and the audit trail. */
export interface LoginAttemptDeps {
  throttle?: LoginThrottle;
  audit?: AuditLog;
}

type AttemptDeps = LoginAttemptDeps & { accounts: AccountService; provider: { issuer: string } };

/** The generic failure, plus when to try again; says nothing about whether the name exists. */
export function lockedMessage(base: string, retryAfterSeconds: number): string {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  const wait = retryAfterSeconds < 60 ? `${retryAfterSeconds} seconds` : `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `${base}. Too many attempts: try again in ${wait}.`;
}

/** RFC 6585 §4: 429 with Retry-After. */
export function markTooMany(ctx: Context, verdict: Extract<LoginVerdict, { allowed: false }>): number {
  ctx.set('Retry-After', String(verdict.retryAfterSeconds));
  return 429;
}

function origin(ctx: Context, clientId: string) {
  return { clientId: clientId || null, ...requestOrigin(ctx) };
}

/**
 * Whether this browser carries a valid (signed) known-browser cookie for the
 * account behind `username`. Asked only while that account is locked; an
 * unknown name never matches, exactly like a known one without the cookie.
 */
export function knownBrowserCheck(ctx: Context, deps: AttemptDeps, username: string): KnownBrowserCheck {
  return async () => {
    const value = ctx.cookies.get(KNOWN_BROWSER_COOKIE, { signed: true });
    if (!value) return false;
    const user = await deps.accounts.findUserByUsername(username);
    return user !== undefined && isKnownAccount(value, user.id);
  };
}

/**
 * Marks this browser as one the account has signed in from: a cookie signed
 * with the provider's cookie keys (Koa `app.keys`, set from
 * `cookies.keys`), HttpOnly and SameSite=Lax, scoped to the interaction pages.
 */
function rememberBrowser(ctx: Context, deps: AttemptDeps, accountId: string): void {
  if (!deps.throttle) return;
  const secure = new URL(deps.provider.issuer).protocol === 'https:';
  // The public URL is https even when TLS ends at a proxy (as in csrf.ts).
  if (secure) ctx.cookies.secure = true;
  const value = withKnownAccount(ctx.cookies.get(KNOWN_BROWSER_COOKIE, { signed: true }), accountId);
  ctx.cookies.set(KNOWN_BROWSER_COOKIE, value, {
    signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/interaction', overwrite: true,
    maxAge: deps.throttle.knownBrowserSeconds * 1000,
  });
}

/**
 * Records a failed password check: counts it (maybe locking) and writes the
 * audit events. The typed username is never stored (people type passwords
 * into it); the actor is the account id when the name is a known account.
 */
export async function recordLoginFailure(ctx: Context, deps: AttemptDeps, attempt: { username: string; clientId: string }): Promise<LoginVerdict> {
  const verdict = await deps.throttle?.recordFailure({ username: attempt.username, ip: ctx.ip }, knownBrowserCheck(ctx, deps, attempt.username))
    ?? { allowed: true as const };
  if (deps.audit) {
    const known = await deps.accounts.findUserByUsername(attempt.username);
    const actor = known?.id ?? null;
    await deps.audit.record({ event: 'login.failure', actor, ...origin(ctx, attempt.clientId), details: { known_account: Boolean(known) } });
    if (!verdict.allowed) {
      await deps.audit.record({ event: 'login.locked', actor, ...origin(ctx, attempt.clientId), details: { lock_seconds: verdict.retryAfterSeconds, scope: verdict.scope } });
    }
  }
  return verdict;
}

export async function recordLoginSuccess(ctx: Context, deps: AttemptDeps, attempt: { username: string; accountId: string; clientId: string }): Promise<void> {
  await deps.throttle?.recordSuccess({ username: attempt.username, ip: ctx.ip });
  rememberBrowser(ctx, deps, attempt.accountId);
  await deps.audit?.record({ event: 'login.success', actor: attempt.accountId, ...origin(ctx, attempt.clientId), details: { amr: 'pwd' } });
}
