import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { InteractionDeps } from './interaction-deps.js';
import { createPasskeyOptions, createSubmitPasskey } from './passkey-login.js';
import { createPasskeyScriptRoute, createWebauthnScriptRoute, PASSKEY_SCRIPT_PATH, WEBAUTHN_SCRIPT_PATH } from './scripts.js';
import { createSkipSecondFactor, createSubmitRecoveryCode, createSubmitTotp } from './second-factor.js';
import { createEnrolPasskey, createEnrolPasskeyOptions, createEnrolTotp } from './second-factor-enrol.js';

/**
 * Strong authentication in the sign-in: passkey sign-in at the login prompt,
 * and the `mfa` prompt (build-interaction-policy.ts): a passkey, an
 * authenticator code or a recovery code, or enrolment when the account has
 * none. `post` parses the form and checks CSRF, as for every other step; the
 * options routes answer JSON to assets/passkeys.js.
 */
export function addSecondFactorRoutes(router: Router, deps: InteractionDeps, post: Middleware[]): void {
  if (!deps.factors) return;
  router.get(WEBAUTHN_SCRIPT_PATH, createWebauthnScriptRoute());
  router.get(PASSKEY_SCRIPT_PATH, createPasskeyScriptRoute());
  router.post('/interaction/:uid/passkey/options', ...post, createPasskeyOptions(deps));
  router.post('/interaction/:uid/passkey', ...post, createSubmitPasskey(deps));
  router.post('/interaction/:uid/totp', ...post, createSubmitTotp(deps));
  router.post('/interaction/:uid/recovery', ...post, createSubmitRecoveryCode(deps));
  router.post('/interaction/:uid/skip', ...post, createSkipSecondFactor(deps));
  router.post('/interaction/:uid/enrol/totp', ...post, createEnrolTotp(deps));
  router.post('/interaction/:uid/enrol/passkey/options', ...post, createEnrolPasskeyOptions(deps));
  router.post('/interaction/:uid/enrol/passkey', ...post, createEnrolPasskey(deps));
}
