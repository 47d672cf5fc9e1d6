import type { Context, Middleware } from 'koa';
import { recordAccountChange, renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';

/** Shows a new set of recovery codes once (after the first factor, or on request). */
export async function showNewRecoveryCodes(ctx: Context, deps: AccountPageDeps, status = 200): Promise<void> {
  const { user } = signedInOf(ctx);
  const codes = await deps.factors!.recoveryCodes.generate(user.id);
  await recordAccountChange(ctx, deps, { event: 'mfa.enrolled', details: { factor: 'recovery_code', count: codes.length } });
  await renderAccountPage(ctx, deps, 'recovery-codes', 'security', {
    title: 'Your recovery codes', account: true, codes, continueHref: '/account/security', continueLabel: 'I saved them',
  }, status);
}

/** POST /account/security/recovery-codes: a new set replaces the old one (only with a factor to recover). */
export function createRegenerateRecoveryCodes(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const counts = await deps.factors!.counts(signedInOf(ctx).user.id);
    if (!counts || (counts.passkeys === 0 && !counts.totp)) {
      ctx.status = 303;
      ctx.redirect('/account/security');
      return;
    }
    await showNewRecoveryCodes(ctx, deps, 201);
  };
}
