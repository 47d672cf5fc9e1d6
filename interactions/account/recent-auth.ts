import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { lockedMessage } from '../login-attempts.js';
import { recordAccountChange, renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';
import { AppError } from '../../src/http/app-error.js';

/**
 * Recent authentication before a factor is added or removed (issue 12; NIST
 * SP 800-63B §6.1.2.1 asks for it before binding an authenticator): the
 * person types the password (or an authenticator code) again, and for ten
 * minutes this browser's session may change factors. The mark is a cookie
 * signed with the provider's cookie keys, naming the account and the
 * provider session it was made in, so it dies with the session.
 */
const COOKIE = 'op.reauth';
const LIFETIME_SECONDS = 10 * 60;
export const CONFIRM_PATH = '/account/security/confirm';
const FAILED = 'That is not right';

const confirmForm = z.object({
  password: z.string().max(1024).optional(),
  code: z.string().trim().max(64).optional(),
  return: z.string().max(200).optional(),
});

function cookieOptions(deps: AccountPageDeps) {
  return { signed: true, httpOnly: true, sameSite: 'strict' as const, secure: deps.secureCookies, path: '/account', overwrite: true };
}

/** Whether this session confirmed the person within the last ten minutes. */
export function hasRecentAuth(ctx: Context): boolean {
  const { user, sessionId } = signedInOf(ctx);
  const [accountId, session, expires] = (ctx.cookies.get(COOKIE, { signed: true }) ?? '').split('.');
  return accountId === user.id && session === sessionId && Number(expires) > Date.now() / 1000;
}

/** Only the security pages: never an absolute or foreign URL. */
function returnPathOf(value: unknown): string {
  return typeof value === 'string' && /^\/account\/security(\/[a-z-]+)?$/.test(value) ? value : '/account/security';
}

/** Guards a change: without a recent confirmation, a GET goes to the confirm page (and comes back), a POST to the overview. */
export function requireRecentAuth(): Middleware {
  return async (ctx, next) => {
    if (hasRecentAuth(ctx)) return next();
    if (ctx.path.endsWith('/options')) {
      throw new AppError(403, 'recent_authentication_required', 'confirm your password or a second factor first');
    }
    ctx.status = 303;
    ctx.redirect(`${CONFIRM_PATH}?${new URLSearchParams({ return: ctx.method === 'GET' ? ctx.path : '/account/security' })}`);
    return undefined;
  };
}

async function renderConfirm(ctx: Context, deps: AccountPageDeps, state: { error?: string; status?: number; returnPath: string }): Promise<void> {
  const { user } = signedInOf(ctx);
  const totp = deps.factors ? await deps.factors.totp.status(user.id) : undefined;
  await renderAccountPage(ctx, deps, 'account-confirm', 'security', {
    title: 'Confirm it’s you', username: user.username, withCode: totp !== undefined, returnPath: state.returnPath, error: state.error,
  }, state.status);
}

/** GET /account/security/confirm */
export function createShowConfirm(deps: AccountPageDeps): Middleware {
  return (ctx) => renderConfirm(ctx, deps, { returnPath: returnPathOf(ctx.query.return) });
}

/**
 * POST /account/security/confirm: the password or an authenticator code.
 * Wrong answers count in the second-factor throttle (per account and
 * address), so this form is no oracle for either.
 */
export function createConfirm(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user, sessionId } = signedInOf(ctx);
    const form = confirmForm.safeParse(ctx.request.body);
    const returnPath = returnPathOf(form.success ? form.data.return : undefined);
    const attempt = { accountId: user.id, ip: ctx.ip };
    const before = await deps.factorThrottle?.check(attempt);
    if (before && !before.allowed) {
      ctx.set('Retry-After', String(before.retryAfterSeconds));
      return renderConfirm(ctx, deps, { returnPath, status: 429, error: lockedMessage(FAILED, before.retryAfterSeconds) });
    }
    const { password, code } = form.success ? form.data : {};
    const byPassword = Boolean(password) && await deps.factors!.confirmPassword(user.id, password!);
    const byCode = !byPassword && Boolean(code) && (await deps.factors!.totp.verify(user.id, code!)) === 'ok';
    if (!byPassword && !byCode) {
      const after = await deps.factorThrottle?.recordFailure(attempt);
      await recordAccountChange(ctx, deps, { event: 'mfa.failure', details: { factor: code ? 'totp' : 'password', purpose: 'confirm' } });
      if (after && !after.allowed) ctx.set('Retry-After', String(after.retryAfterSeconds));
      const error = after && !after.allowed ? lockedMessage(FAILED, after.retryAfterSeconds) : `${FAILED}. Try again.`;
      return renderConfirm(ctx, deps, { returnPath, status: after && !after.allowed ? 429 : 401, error });
    }
    await deps.factorThrottle?.recordSuccess(attempt);
    if (deps.secureCookies) ctx.cookies.secure = true;
    const expires = Math.floor(Date.now() / 1000) + LIFETIME_SECONDS;
    ctx.cookies.set(COOKIE, `${user.id}.${sessionId}.${expires}`, { ...cookieOptions(deps), maxAge: LIFETIME_SECONDS * 1000 });
    ctx.status = 303;
    ctx.redirect(returnPath);
  };
}
