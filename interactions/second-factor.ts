import type { Context } from 'koa';
import type { RouterMiddleware } from '@koa/router';
import { z } from 'zod';
import type { TotpCheck } from '../src/accounts/factors/totp-service.js';
import { MFA_PROMPT } from '../src/oidc/configuration/build-interaction-policy.js';
import { finishWithSecondFactor, recordFactorEvent, type FactorName } from './finish-sign-in.js';
import type { InteractionDeps, InteractionDetails } from './interaction-deps.js';
import { renderWrongPrompt } from './interaction-errors.js';
import { lockedMessage } from './login-attempts.js';
import { renderSecondFactorPage } from './second-factor-page.js';

const codeForm = z.object({ code: z.string().trim().min(1).max(64) });

const WRONG: Record<Exclude<FactorName, 'passkey'>, string> = {
  totp: 'That code is not right. Check your authenticator app and try again',
  recovery_code: 'That recovery code is not right, or it was used already',
};
const REPLAYED = 'That code was used already. Wait for the next one in your authenticator app';

/** The interaction, if it waits for a second factor and factors are configured; else the wrong-prompt page was rendered. */
export async function loadSecondFactorStep(ctx: Context, deps: InteractionDeps): Promise<{ details: InteractionDetails; accountId: string } | undefined> {
  const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
  const accountId = details.session?.accountId;
  if (details.prompt.name !== MFA_PROMPT || !accountId || !deps.factors) {
    await renderWrongPrompt(ctx, deps.render);
    return undefined;
  }
  return { details, accountId };
}

/**
 * One rhythm for every typed code: the second-factor throttle first (a lock
 * refuses without checking, so it reveals nothing), then the check; a wrong
 * or replayed code counts as a failure (second-factor-throttle.ts) and is
 * audited; a right one clears this address's count and finishes the step.
 */
async function submitCode(ctx: Context, deps: InteractionDeps, factor: Exclude<FactorName, 'passkey'>, verify: (accountId: string, code: string) => Promise<TotpCheck>): Promise<void> {
  const step = await loadSecondFactorStep(ctx, deps);
  if (!step) return;
  const { details, accountId } = step;
  const form = codeForm.safeParse(ctx.request.body);
  if (!form.success) return renderSecondFactorPage(ctx, deps, details, { status: 400, error: 'Enter the code.' });
  const attempt = { accountId, ip: ctx.ip };
  const before = await deps.factorThrottle?.check(attempt);
  if (before && !before.allowed) {
    ctx.set('Retry-After', String(before.retryAfterSeconds));
    return renderSecondFactorPage(ctx, deps, details, { status: 429, error: lockedMessage(WRONG[factor], before.retryAfterSeconds) });
  }
  const result = await verify(accountId, form.data.code);
  if (result !== 'ok') {
    const after = await deps.factorThrottle?.recordFailure(attempt) ?? { allowed: true as const };
    await recordFactorEvent(ctx, deps, details, { event: 'mfa.failure', accountId, factor, details: { reason: result } });
    const message = result === 'replayed' ? REPLAYED : WRONG[factor];
    if (!after.allowed) {
      await recordFactorEvent(ctx, deps, details, { event: 'mfa.locked', accountId, factor, details: { lock_seconds: after.retryAfterSeconds, scope: after.scope } });
      ctx.set('Retry-After', String(after.retryAfterSeconds));
      return renderSecondFactorPage(ctx, deps, details, { status: 429, error: lockedMessage(message, after.retryAfterSeconds) });
    }
    return renderSecondFactorPage(ctx, deps, details, { status: 401, error: `${message}.` });
  }
  await deps.factorThrottle?.recordSuccess(attempt);
  const remaining = factor === 'recovery_code' ? (await deps.factors!.recoveryCodes.status(accountId)).left : undefined;
  await recordFactorEvent(ctx, deps, details, { event: 'mfa.used', accountId, factor, details: remaining === undefined ? {} : { remaining } });
  // RFC 8176 §2 `otp`: a one-time password; a recovery code is one too (printed, one use each).
  await finishWithSecondFactor(ctx, deps, details, accountId, ['otp']);
}

/** POST /interaction/:uid/totp: a code from the authenticator app (RFC 6238). */
export function createSubmitTotp(deps: InteractionDeps): RouterMiddleware {
  return (ctx) => submitCode(ctx, deps, 'totp', (accountId, code) => deps.factors!.totp.verify(accountId, code));
}

/** POST /interaction/:uid/recovery: one of the ten recovery codes, once. */
export function createSubmitRecoveryCode(deps: InteractionDeps): RouterMiddleware {
  return (ctx) => submitCode(ctx, deps, 'recovery_code', async (accountId, code) => ((await deps.factors!.recoveryCodes.use(accountId, code)) ? 'ok' : 'invalid'));
}

/**
 * POST /interaction/:uid/skip: "Not now" on enrolment, offered only when
 * nothing requires a second factor but the client's acr_values asked for the
 * MFA class (voluntary, Core §3.1.2.1): the sign-in goes on with the
 * password's class and the ID token's acr says so.
 */
export function createSkipSecondFactor(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const step = await loadSecondFactorStep(ctx, deps);
    if (!step) return;
    if ((step.details.prompt.details as { skippable?: unknown }).skippable !== true) return renderWrongPrompt(ctx, deps.render);
    await deps.provider.interactionFinished(ctx.req, ctx.res, { mfa: { skipped: true } }, { mergeWithLastSubmission: true });
  };
}
