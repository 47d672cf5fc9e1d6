import type { Context } from 'koa';
import type { RouterMiddleware } from '@koa/router';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import type { AuthenticationMethod } from '../src/accounts/factors/authentication-methods.js';
import { hasSecondFactor } from '../src/accounts/factors/second-factors.js';
import { recordFactorEvent, secondFactorResult, type FactorName } from './finish-sign-in.js';
import type { InteractionDeps, InteractionDetails } from './interaction-deps.js';
import { lockedMessage } from './login-attempts.js';
import { loadSecondFactorStep } from './second-factor.js';
import { renderSecondFactorPage } from './second-factor-page.js';
import { challengeOfResponse, rememberChallenge, takeChallenge } from './webauthn-challenge.js';
import { AppError } from '../src/http/app-error.js';

const codeForm = z.object({ code: z.string().trim().min(1).max(64) });
const passkeyForm = z.object({ credential: z.string().min(1).max(16_384), name: z.string().trim().min(1).max(60).default('Passkey') });

/**
 * Enrolment inside the sign-in is only for an account with no factor yet
 * (a requirement from the client, the role or the acr): with one, a person
 * who only knows the password could otherwise add their own. The password
 * was just checked (the policy asks for a fresh login first when the session
 * is older, build-interaction-policy.ts), which is the recent authentication.
 */
async function loadEnrolStep(ctx: Context, deps: InteractionDeps) {
  const step = await loadSecondFactorStep(ctx, deps);
  if (!step) return undefined;
  const counts = await deps.factors!.counts(step.accountId);
  if (!counts || hasSecondFactor(counts)) {
    await renderSecondFactorPage(ctx, deps, step.details, { status: 409, error: 'A second step is already set up for this account. Use it below.' });
    return undefined;
  }
  return step;
}

/**
 * The factor is in: store the login result with the interaction
 * (provider.interactionResult) and show the ten recovery codes once; the
 * Continue link resumes the authorization request.
 */
async function finishEnrolment(ctx: Context, deps: InteractionDeps, details: InteractionDetails, accountId: string, factor: FactorName, methods: AuthenticationMethod[]): Promise<void> {
  await recordFactorEvent(ctx, deps, details, { event: 'mfa.enrolled', accountId, factor });
  const codes = await deps.factors!.recoveryCodes.generate(accountId);
  await recordFactorEvent(ctx, deps, details, { event: 'mfa.enrolled', accountId, factor: 'recovery_code', details: { count: codes.length } });
  const result = await secondFactorResult(ctx, deps, details, accountId, methods);
  const returnTo = await deps.provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  await deps.render(ctx, 'recovery-codes', { title: 'Your recovery codes', codes, continueHref: returnTo, continueLabel: 'I saved them — continue' });
}

/** POST /interaction/:uid/enrol/totp: confirms the authenticator app with its first code. */
export function createEnrolTotp(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const step = await loadEnrolStep(ctx, deps);
    if (!step) return;
    const { details, accountId } = step;
    const form = codeForm.safeParse(ctx.request.body);
    if (!form.success) return renderSecondFactorPage(ctx, deps, details, { status: 400, error: 'Enter the code your app shows.' });
    const attempt = { accountId, ip: ctx.ip };
    const before = await deps.factorThrottle?.check(attempt);
    if (before && !before.allowed) {
      ctx.set('Retry-After', String(before.retryAfterSeconds));
      return renderSecondFactorPage(ctx, deps, details, { status: 429, error: lockedMessage('That code is not right', before.retryAfterSeconds) });
    }
    if ((await deps.factors!.totp.confirm(accountId, form.data.code)) !== 'ok') {
      await deps.factorThrottle?.recordFailure(attempt);
      await recordFactorEvent(ctx, deps, details, { event: 'mfa.failure', accountId, factor: 'totp', details: { reason: 'enrolment' } });
      return renderSecondFactorPage(ctx, deps, details, { status: 401, error: 'That code is not right. Check the time on your phone and try the next code.' });
    }
    await finishEnrolment(ctx, deps, details, accountId, 'totp', ['otp']);
  };
}

/** POST /interaction/:uid/enrol/passkey/options (JSON, for assets/passkeys.js). */
export function createEnrolPasskeyOptions(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const step = await loadEnrolStep(ctx, deps);
    const user = step && await deps.accounts.findActiveUser(step.accountId);
    if (!step || !user || !deps.factors!.passkeys.relyingParty.available) {
      throw new AppError(400, 'passkeys_unavailable', 'passkeys are not available for this step');
    }
    const options = await deps.factors!.passkeys.registrationOptions(user);
    rememberChallenge(ctx, deps.provider, 'register', step.details.uid, options.challenge);
    ctx.body = options;
  };
}

/** POST /interaction/:uid/enrol/passkey: the new passkey; creating it proved possession, so it counts for this sign-in. */
export function createEnrolPasskey(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const step = await loadEnrolStep(ctx, deps);
    if (!step) return;
    const { details, accountId } = step;
    const form = passkeyForm.safeParse(ctx.request.body);
    let response: RegistrationResponseJSON | undefined;
    try {
      response = form.success ? JSON.parse(form.data.credential) as RegistrationResponseJSON : undefined;
    } catch {
      response = undefined;
    }
    const challenge = response && await takeChallenge(ctx, deps.provider, 'register', details.uid, challengeOfResponse(response));
    const created = response && challenge && form.success ? await deps.factors!.passkeys.register(accountId, response, challenge, form.data.name) : undefined;
    if (!created) {
      await recordFactorEvent(ctx, deps, details, { event: 'mfa.failure', accountId, factor: 'passkey', details: { reason: 'enrolment' } });
      return renderSecondFactorPage(ctx, deps, details, { status: 400, error: 'The passkey could not be created. Try again, or use an authenticator app.' });
    }
    await finishEnrolment(ctx, deps, details, accountId, 'passkey', created.methods);
  };
}
