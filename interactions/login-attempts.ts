import type { Context } from 'koa';
import type { AuditLog } from '../src/audit/audit-log.js';
import type { LoginThrottle, LoginVerdict } from '../src/accounts/login-throttle.js';
import type { AccountService } from '../src/accounts/account-service.js';

/** Optional extras of the login step: brute-force throttling and the audit trail. */
export interface LoginAttemptDeps {
  throttle?: LoginThrottle;
  audit?: AuditLog;
}

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
  return { clientId: clientId || null, ip: ctx.ip || null, userAgent: ctx.get('user-agent') || null };
}

/**
 * Records a failed password check: counts it (maybe locking) and writes the
 * audit events. The typed username is never stored (people type passwords
 * into it); the actor is the account id when the name is a known account.
 */
export async function recordLoginFailure(
  ctx: Context,
  deps: LoginAttemptDeps & { accounts: AccountService },
  attempt: { username: string; clientId: string },
): Promise<LoginVerdict> {
  const verdict = await deps.throttle?.recordFailure(attempt.username, ctx.ip) ?? { allowed: true as const };
  if (deps.audit) {
    const known = await deps.accounts.findUserByUsername(attempt.username);
    const actor = known?.id ?? null;
    await deps.audit.record({ event: 'login.failure', actor, ...origin(ctx, attempt.clientId), details: { known_account: Boolean(known) } });
    if (!verdict.allowed) {
      await deps.audit.record({ event: 'login.locked', actor, ...origin(ctx, attempt.clientId), details: { lock_seconds: verdict.retryAfterSeconds } });
    }
  }
  return verdict;
}

export async function recordLoginSuccess(ctx: Context, deps: LoginAttemptDeps, attempt: { username: string; accountId: string; clientId: string }): Promise<void> {
  await deps.throttle?.recordSuccess(attempt.username);
  await deps.audit?.record({ event: 'login.success', actor: attempt.accountId, ...origin(ctx, attempt.clientId), details: { amr: 'pwd' } });
}
