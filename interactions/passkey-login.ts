import type { Context } from 'koa';
import type { RouterMiddleware } from '@koa/router';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { MFA_PROMPT } from '../src/oidc/configuration/build-interaction-policy.js';
import { acrOf, finishWithSecondFactor, recordFactorEvent } from './finish-sign-in.js';
import { clientIdOf, type InteractionDeps, type InteractionDetails } from './interaction-deps.js';
import { renderWrongPrompt } from './interaction-errors.js';
import { renderLoginPage } from './login.js';
import { renderSecondFactorPage } from './second-factor-page.js';
import { challengeOfResponse, rememberChallenge, takeChallenge, type ChallengePurpose } from './webauthn-challenge.js';
import { AppError } from '../src/http/app-error.js';
import { requestOrigin } from '../src/audit/request-origin.js';

const PASSKEY_FAILED = 'That passkey could not be used here. Try again, or choose another way.';

/** The login prompt signs in with any discoverable passkey; the mfa prompt wants one of the signed-in account's. */
function purposeOf(details: InteractionDetails): { purpose: ChallengePurpose; accountId?: string } | undefined {
  if (details.prompt.name === 'login') return { purpose: 'sign-in' };
  const accountId = details.session?.accountId;
  if (details.prompt.name === MFA_PROMPT && accountId) return { purpose: 'second-factor', accountId };
  return undefined;
}

/** POST /interaction/:uid/passkey/options (JSON, for assets/passkeys.js). */
export function createPasskeyOptions(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    const step = purposeOf(details);
    if (!step || !deps.factors?.passkeys.relyingParty.available) {
      throw new AppError(400, 'passkeys_unavailable', 'passkeys are not available for this step');
    }
    const options = await deps.factors.passkeys.authenticationOptions(step.accountId);
    rememberChallenge(ctx, deps.provider, step.purpose, details.uid, options.challenge);
    ctx.body = options;
  };
}

function parseCredential(body: unknown): AuthenticationResponseJSON | undefined {
  const raw = (body as { credential?: unknown } | undefined)?.credential;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 16_384) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<AuthenticationResponseJSON>;
    return typeof parsed.id === 'string' && typeof parsed.response === 'object' && parsed.response !== null ? parsed as AuthenticationResponseJSON : undefined;
  } catch {
    return undefined;
  }
}

async function refuse(ctx: Context, deps: InteractionDeps, details: InteractionDetails): Promise<void> {
  if (details.prompt.name === 'login') return renderLoginPage(ctx, deps, details, { status: 401, error: PASSKEY_FAILED });
  return renderSecondFactorPage(ctx, deps, details, { status: 401, error: PASSKEY_FAILED });
}

/**
 * POST /interaction/:uid/passkey: the assertion, verified against the
 * challenge this browser was given for this interaction. At the login prompt
 * it signs the person in without a username (the credential names the
 * account); user verification is required there, so the passkey alone is
 * two factors. At the mfa prompt it must be one of the account's passkeys.
 */
export function createSubmitPasskey(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    const step = purposeOf(details);
    if (!step || !deps.factors) return renderWrongPrompt(ctx, deps.render);
    const credential = parseCredential(ctx.request.body);
    const challenge = credential && await takeChallenge(ctx, deps.provider, step.purpose, details.uid, challengeOfResponse(credential));
    const signIn = credential && challenge
      ? await deps.factors.passkeys.authenticate(credential, challenge, { accountId: step.accountId, requireUserVerification: step.purpose === 'sign-in' })
      : undefined;
    const user = signIn && await deps.accounts.findActiveUser(signIn.accountId);
    if (!signIn || !user) {
      if (step.accountId) await recordFactorEvent(ctx, deps, details, { event: 'mfa.failure', accountId: step.accountId, factor: 'passkey' });
      return refuse(ctx, deps, details);
    }
    await recordFactorEvent(ctx, deps, details, { event: 'mfa.used', accountId: user.id, factor: 'passkey', details: { amr: signIn.methods.join(' ') } });
    if (step.purpose === 'second-factor') return finishWithSecondFactor(ctx, deps, details, user.id, signIn.methods);
    await deps.factors.recordPasskeySignIn(user.id);
    await deps.audit?.record({
      event: 'login.success', actor: user.id, clientId: clientIdOf(details) || null, ...requestOrigin(ctx),
      details: { amr: signIn.methods.join(' ') },
    });
    const remember = (ctx.request.body as { remember?: unknown } | undefined)?.remember === 'yes';
    await deps.provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: user.id, remember, amr: signIn.methods, acr: acrOf(signIn.methods) },
    }, { mergeWithLastSubmission: false });
  };
}
