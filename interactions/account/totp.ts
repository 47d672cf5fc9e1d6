import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { lockedMessage } from '../login-attempts.js';
import { qrImage } from '../second-factor-page.js';
import { recordAccountChange, renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';
import { showNewRecoveryCodes } from './recovery-codes.js';

const codeForm = z.object({ code: z.string().trim().min(1).max(64) });

async function renderSetup(ctx: Context, deps: AccountPageDeps, state: { error?: string; status?: number } = {}): Promise<void> {
  const { user } = signedInOf(ctx);
  const enrolment = await deps.factors!.totp.begin(user);
  if (!enrolment) {
    ctx.status = 303;
    ctx.redirect('/account/security');
    return;
  }
  await renderAccountPage(ctx, deps, 'account-totp', 'security', {
    title: 'Set up an authenticator app', secret: enrolment.secret, qr: await qrImage(enrolment.uri), error: state.error,
  }, state.status);
}

/**
 * GET /account/security/totp: a new secret (kept, unconfirmed, until the
 * first code comes back), as a QR code drawn on the server and as text.
 */
export function createShowTotp(deps: AccountPageDeps): Middleware {
  return (ctx) => renderSetup(ctx, deps);
}

/** POST /account/security/totp: the first code confirms the app (RFC 6238; ±1 step). */
export function createConfirmTotp(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const factors = deps.factors!;
    const form = codeForm.safeParse(ctx.request.body);
    if (!form.success) return renderSetup(ctx, deps, { status: 400, error: 'Enter the six-digit code your app shows.' });
    const attempt = { accountId: user.id, ip: ctx.ip };
    const before = await deps.factorThrottle?.check(attempt);
    if (before && !before.allowed) {
      ctx.set('Retry-After', String(before.retryAfterSeconds));
      return renderSetup(ctx, deps, { status: 429, error: lockedMessage('That code is not right', before.retryAfterSeconds) });
    }
    if ((await factors.totp.confirm(user.id, form.data.code)) !== 'ok') {
      await deps.factorThrottle?.recordFailure(attempt);
      await recordAccountChange(ctx, deps, { event: 'mfa.failure', details: { factor: 'totp', purpose: 'enrolment' } });
      return renderSetup(ctx, deps, { status: 401, error: 'That code is not right. Check the time on your phone and try the next code.' });
    }
    await recordAccountChange(ctx, deps, { event: 'mfa.enrolled', details: { factor: 'totp' } });
    if ((await factors.recoveryCodes.status(user.id)).total === 0) return showNewRecoveryCodes(ctx, deps, 201);
    ctx.status = 303;
    ctx.redirect('/account/security?done=totp');
  };
}

/** POST /account/security/totp/delete */
export function createRemoveTotp(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const result = await deps.factors!.remove(user.id, { kind: 'totp' });
    if (result.removed) await recordAccountChange(ctx, deps, { event: 'mfa.removed', details: { factor: 'totp', recovery_codes_dropped: result.recoveryCodesDropped } });
    ctx.status = 303;
    ctx.redirect(`/account/security?done=${result.recoveryCodesDropped ? 'last-removed' : 'totp-removed'}`);
  };
}
