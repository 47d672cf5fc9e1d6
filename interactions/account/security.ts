import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import { PASSKEY_SCRIPTS } from '../scripts.js';
import { formatDate, renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';
import { createAddPasskey, createPasskeyRegistrationOptions, createRemovePasskey } from './passkeys.js';
import { CONFIRM_PATH, createConfirm, createShowConfirm, hasRecentAuth, requireRecentAuth } from './recent-auth.js';
import { createRegenerateRecoveryCodes } from './recovery-codes.js';
import { createConfirmTotp, createRemoveTotp, createShowTotp } from './totp.js';

// Post/redirect/get: a finished action comes back as ?done=<what>, shown once.
const NOTICES: Record<string, string> = {
  passkey: 'Your passkey was added.',
  'passkey-removed': 'The passkey was removed.',
  totp: 'Your authenticator app is set up.',
  'totp-removed': 'The authenticator app was removed.',
  'last-removed': 'The last second step was removed, and your recovery codes with it.',
};

const DATE_TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** GET /account/security: passkeys, the authenticator app and the recovery codes. */
export function createShowSecurity(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const factors = deps.factors!;
    const overview = await factors.overview(user.id);
    const recent = hasRecentAuth(ctx);
    const passkeysWork = factors.passkeys.relyingParty.available;
    const hasFactor = overview.passkeys.length > 0 || overview.totp !== undefined;
    await renderAccountPage(ctx, deps, 'account-security', 'security', {
      title: 'Security',
      notice: typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined,
      recent,
      confirmHref: `${CONFIRM_PATH}?return=/account/security`,
      passkeysWork,
      passkeys: overview.passkeys.map((passkey) => ({
        name: passkey.name, synced: passkey.synced, createdAt: formatDate(passkey.createdAt), lastUsedAt: formatDate(passkey.lastUsedAt),
        removeAction: `/account/security/passkeys/${encodeURIComponent(passkey.id)}/delete`,
      })),
      addPasskey: recent && passkeysWork ? { action: '/account/security/passkeys', optionsAction: '/account/security/passkeys/options' } : undefined,
      totp: overview.totp && { confirmedAt: formatDate(overview.totp.confirmedAt), lastUsedAt: formatDate(overview.totp.lastUsedAt) },
      hasFactor,
      recovery: {
        total: overview.recoveryCodes.total,
        left: overview.recoveryCodes.left,
        createdAt: formatDate(overview.recoveryCodes.createdAt),
        used: overview.recoveryCodes.used.map((date) => `${DATE_TIME.format(date)} UTC`),
      },
      scripts: recent && passkeysWork ? PASSKEY_SCRIPTS : undefined,
    });
  };
}

/**
 * The Security page and its changes. `post` is the body parser and the CSRF
 * check; every change also needs a recent confirmation (recent-auth.ts).
 */
export function addSecurityRoutes(router: Router, deps: AccountPageDeps, post: Middleware[], signedIn: Middleware): void {
  if (!deps.factors) return;
  const recent = requireRecentAuth();
  router.get('/account/security', signedIn, createShowSecurity(deps));
  router.get(CONFIRM_PATH, signedIn, createShowConfirm(deps));
  router.post(CONFIRM_PATH, ...post, signedIn, createConfirm(deps));
  router.post('/account/security/passkeys/options', ...post, signedIn, recent, createPasskeyRegistrationOptions(deps));
  router.post('/account/security/passkeys', ...post, signedIn, recent, createAddPasskey(deps));
  router.post('/account/security/passkeys/:id/delete', ...post, signedIn, recent, createRemovePasskey(deps));
  router.get('/account/security/totp', signedIn, recent, createShowTotp(deps));
  router.post('/account/security/totp', ...post, signedIn, recent, createConfirmTotp(deps));
  router.post('/account/security/totp/delete', ...post, signedIn, recent, createRemoveTotp(deps));
  router.post('/account/security/recovery-codes', ...post, signedIn, recent, createRegenerateRecoveryCodes(deps));
}
