import type { Middleware } from 'koa';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import { renderErrorPage } from '../render-page.js';
import { challengeOfResponse, rememberChallenge, takeChallenge } from '../webauthn-challenge.js';
import { paramOf, recordAccountChange, signedInOf, type AccountPageDeps } from './account-deps.js';
import { showNewRecoveryCodes } from './recovery-codes.js';

const passkeyForm = z.object({ credential: z.string().min(1).max(16_384), name: z.string().trim().min(1).max(60) });

/** POST /account/security/passkeys/options (JSON, for assets/passkeys.js). */
export function createPasskeyRegistrationOptions(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const options = await deps.factors!.passkeys.registrationOptions(user);
    rememberChallenge(ctx, deps.provider, 'register', user.id, options.challenge);
    ctx.body = options;
  };
}

function parseResponse(raw: string): RegistrationResponseJSON | undefined {
  try {
    const parsed = JSON.parse(raw) as Partial<RegistrationResponseJSON>;
    return typeof parsed.id === 'string' && typeof parsed.response === 'object' && parsed.response !== null ? parsed as RegistrationResponseJSON : undefined;
  } catch {
    return undefined;
  }
}

/**
 * POST /account/security/passkeys: verifies the new credential against the
 * challenge issued to this account and stores it under the given name. The
 * first factor of an account comes with its recovery codes, shown once.
 */
export function createAddPasskey(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const factors = deps.factors!;
    const form = passkeyForm.safeParse(ctx.request.body);
    const response = form.success ? parseResponse(form.data.credential) : undefined;
    const challenge = response && await takeChallenge(ctx, deps.provider, 'register', user.id, challengeOfResponse(response));
    const created = form.success && response && challenge ? await factors.passkeys.register(user.id, response, challenge, form.data.name) : undefined;
    if (!created) {
      await recordAccountChange(ctx, deps, { event: 'mfa.failure', details: { factor: 'passkey', purpose: 'enrolment' } });
      return renderErrorPage(ctx, deps.render, {
        status: 400, heading: 'The passkey was not added', description: 'It could not be verified, or it is registered already. Try again.',
        links: [{ href: '/account/security', text: 'Back to security' }],
      });
    }
    await recordAccountChange(ctx, deps, { event: 'mfa.enrolled', details: { factor: 'passkey', name: created.passkey.name, synced: created.passkey.synced } });
    if ((await factors.recoveryCodes.status(user.id)).total === 0) return showNewRecoveryCodes(ctx, deps, 201);
    ctx.status = 303;
    ctx.redirect('/account/security?done=passkey');
  };
}

/** POST /account/security/passkeys/:id/delete */
export function createRemovePasskey(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const result = await deps.factors!.remove(user.id, { kind: 'passkey', id: paramOf(ctx, 'id') });
    if (!result.removed) {
      return renderErrorPage(ctx, deps.render, {
        status: 404, heading: 'Passkey not found', description: 'It may have been removed already.', links: [{ href: '/account/security', text: 'Back to security' }],
      });
    }
    await recordAccountChange(ctx, deps, { event: 'mfa.removed', details: { factor: 'passkey', recovery_codes_dropped: result.recoveryCodesDropped } });
    ctx.status = 303;
    ctx.redirect(`/account/security?done=${result.recoveryCodesDropped ? 'last-removed' : 'passkey-removed'}`);
  };
}
