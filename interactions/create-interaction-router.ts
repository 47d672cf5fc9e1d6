import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountSelfService } from '../src/accounts/account-self-service.js';
import type { AccountService } from '../src/accounts/account-service.js';
import type { AccountLifecycle } from '../src/accounts/lifecycle/create-account-lifecycle.js';
import type { AccountAppsService } from '../src/clients/account-apps-service.js';
import type { ConnectedAppsService } from '../src/oidc/account-pages/connected-apps-service.js';
import type { SecondFactors } from '../src/accounts/factors/second-factors.js';
import type { SecondFactorThrottle } from '../src/accounts/factors/second-factor-throttle.js';
import { createAbortInteraction } from './abort.js';
import { addAccountRoutes } from './account/create-account-routes.js';
import type { AdminServices } from './admin/admin-deps.js';
import { addAdminRoutes } from './admin/create-admin-routes.js';
import { createOneTimeSecrets } from './account/one-time-secret.js';
import { resolveBranding, type Branding } from './branding.js';
import { createConfirmConsent } from './consent.js';
import { createCsrfGuard } from './csrf.js';
import { createFormTextGuard } from './refuse-unstorable-form.js';
import type { InteractionDeps } from './interaction-deps.js';
import { createInteractionErrorPages } from './interaction-errors.js';
import { addLifecycleRoutes } from './lifecycle-routes.js';
import { createSubmitLogin } from './login.js';
import { addSecondFactorRoutes } from './second-factor-routes.js';
import { createPageRenderer } from './render-page.js';
import { createShowInteraction } from './show-interaction.js';
import { createSwitchAccount } from './switch-account.js';
import { createBrandStylesheetRoute, createStylesheetRoute } from './stylesheet.js';
import { BRAND_STYLESHEET_PATH, STYLESHEET_PATH } from './views-location.js';

export interface InteractionRouterDeps {
  provider: Provider;
  accounts: AccountService;
  /** The account area's services (profile, connected apps, my apps). */
  self: AccountSelfService;
  apps: AccountAppsService;
  connected: ConnectedAppsService;
  /** Keys the CSRF tokens (a cookie signing key is a fine choice). */
  csrfKey: string;
  branding?: Partial<Branding>;
  /** Login brute-force protection and the audit trail (hardening); optional for page-only tests. */
  throttle?: InteractionDeps['throttle'];
  audit?: InteractionDeps['audit'];
  metrics?: InteractionDeps['metrics'];
  /** Strong authentication (passkeys, authenticator apps, recovery codes); absent in page-only tests. */
  factors?: SecondFactors;
  /** The operator console's services (interactions/admin/); absent, /admin is not served. */
  admin?: AdminServices;
  factorThrottle?: SecondFactorThrottle;
  /** Account mails and sign-up (issue 14); absent in page-only tests. */
  lifecycle?: AccountLifecycle;
}

// Our pages carry one-time state and personal data: never cache them.
const noStore: Middleware = async (ctx, next) => {
  ctx.set('Cache-Control', 'no-store');
  await next();
};

/**
 * The pages oidc-provider sends a person to (`interactions.url`: login,
 * consent, abort) and the account area. Each step follows one rhythm: load the
 * interaction, check the prompt, validate the form, act through services,
 * interactionFinished. Every POST is parsed (urlencoded only) and CSRF-checked.
 */
export function createInteractionRouter(deps: InteractionRouterDeps): Router {
  const { provider, accounts } = deps;
  const branding = resolveBranding(deps.branding);
  const render = createPageRenderer(branding);
  const secureCookies = new URL(provider.issuer).protocol === 'https:';
  const csrf = createCsrfGuard({ key: deps.csrfKey, secure: secureCookies }, render);
  const interaction: InteractionDeps = {
    provider, accounts, render, throttle: deps.throttle, audit: deps.audit, metrics: deps.metrics, factors: deps.factors, factorThrottle: deps.factorThrottle,
    lifecycle: deps.lifecycle,
  };
  // Typed as a plain Middleware: bodyParser's own (ctx: Context) signature does not
  // unify with @koa/router's generic context in the route overloads.
  const form: Middleware = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const post = [form, csrf.verify, createFormTextGuard(render)];

  const router = new Router();
  router.get(STYLESHEET_PATH, createStylesheetRoute());
  router.get(BRAND_STYLESHEET_PATH, createBrandStylesheetRoute(branding));
  router.use(
    ['/interaction', '/account', '/admin'],
    noStore,
    createInteractionErrorPages(render),
    csrf.issue,
  );

  router.get('/interaction/:uid', createShowInteraction(interaction));
  router.post('/interaction/:uid/login', ...post, createSubmitLogin(interaction));
  router.post('/interaction/:uid/confirm', ...post, createConfirmConsent(interaction));
  router.post('/interaction/:uid/abort', ...post, createAbortInteraction(interaction));
  router.get('/interaction/:uid/switch-account', createSwitchAccount(interaction));
  addSecondFactorRoutes(router, interaction, post);
  if (deps.lifecycle) {
    // A password set through a link signs out every session of the account (none is this browser's).
    const signOutSessions = (accountId: string) => deps.connected.signOutOtherSessions(accountId, undefined);
    addLifecycleRoutes(router, { provider, render, lifecycle: deps.lifecycle, signOutSessions }, interaction, post);
  }

  const secrets = createOneTimeSecrets({ key: deps.csrfKey, provider, secure: secureCookies });
  addAccountRoutes(router, { provider, accounts, self: deps.self, apps: deps.apps, connected: deps.connected, render, secureCookies, audit: deps.audit, secrets,
    factors: deps.factors, factorThrottle: deps.factorThrottle, lifecycle: deps.lifecycle,
  }, post);
  if (deps.admin) {
    // The console's own one-time store: a rotated secret's cookie lives under /admin/apps only.
    const adminSecrets = createOneTimeSecrets({ key: deps.csrfKey, provider, secure: secureCookies, path: '/admin/apps' });
    addAdminRoutes(router, { ...deps.admin, provider, render, secureCookies, secrets: adminSecrets }, post);
  }
  return router;
}
