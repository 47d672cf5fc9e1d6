import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import { ACCOUNT_CALLBACK_PATH } from '../../src/oidc/account-pages/account-pages-client.js';
import type { AccountPageDeps } from './account-deps.js';
import { createSignInCallback, createStartSignIn, requireSignedIn, SIGN_IN_PATH } from './account-session.js';
import { createConfirmRevoke, createRevokeConnectedApp, createShowConnectedApps } from './connected-apps.js';
import {
  createDeleteApp, createListApps, createNewAppForm, createRegisterApp, createRotateSecret, createSetFirstParty, createShowApp,
} from './my-apps.js';
import { createRequestEmailChange, createShowEmail } from './email.js';
import { createChangePassword, createShowPassword } from './password.js';
import { createShowProfile, createUpdateProfile } from './profile.js';
import { addSecurityRoutes } from './security.js';

/**
 * The account area. `post` is the body parser followed by the CSRF check;
 * every POST goes through it before the sign-in check, so a forged post is
 * refused without even reading the session.
 */
export function addAccountRoutes(router: Router, deps: AccountPageDeps, post: Middleware[]): void {
  const signedIn = requireSignedIn(deps);
  router.get(SIGN_IN_PATH, createStartSignIn(deps));
  router.get(ACCOUNT_CALLBACK_PATH, createSignInCallback(deps));

  router.get('/account', signedIn, createShowProfile(deps));
  router.post('/account/profile', ...post, signedIn, createUpdateProfile(deps));
  router.get('/account/password', signedIn, createShowPassword(deps));
  router.post('/account/password', ...post, signedIn, createChangePassword(deps));
  addSecurityRoutes(router, deps, post, signedIn);
  // Account mails: a new address is confirmed from the link mailed to it (email.ts).
  if (deps.lifecycle?.mailEnabled) {
    router.get('/account/email', signedIn, createShowEmail(deps, deps.lifecycle));
    router.post('/account/email', ...post, signedIn, createRequestEmailChange(deps, deps.lifecycle));
  }

  router.get('/account/connected', signedIn, createShowConnectedApps(deps));
  router.get('/account/connected/:clientId/remove', signedIn, createConfirmRevoke(deps));
  router.post('/account/connected/:clientId/revoke', ...post, signedIn, createRevokeConnectedApp(deps));

  router.get('/account/apps', signedIn, createListApps(deps));
  router.get('/account/apps/new', signedIn, createNewAppForm(deps));
  router.post('/account/apps', ...post, signedIn, createRegisterApp(deps));
  router.get('/account/apps/:clientId', signedIn, createShowApp(deps));
  router.post('/account/apps/:clientId/rotate', ...post, signedIn, createRotateSecret(deps));
  router.post('/account/apps/:clientId/delete', ...post, signedIn, createDeleteApp(deps));
  router.post('/account/apps/:clientId/first-party', ...post, signedIn, createSetFirstParty(deps));
}
