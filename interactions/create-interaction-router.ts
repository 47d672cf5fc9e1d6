import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Middleware } from 'koa';
import views from 'koa-views';
import type Provider from 'oidc-provider';
import type { AccountService } from '../src/accounts/account-service.js';
import { createAbortInteraction } from './abort.js';
import { resolveBranding, type Branding } from './branding.js';
import { createConfirmConsent } from './consent.js';
import type { InteractionDeps } from './interaction-deps.js';
import { createInteractionErrorPages } from './interaction-errors.js';
import { createSubmitLogin } from './login.js';
import { createPageRenderer } from './render-page.js';
import { createShowInteraction } from './show-interaction.js';
import { createStylesheetRoute } from './stylesheet.js';
import { STYLESHEET_PATH, VIEWS_DIR } from './views-location.js';

export interface InteractionRouterDeps {
  provider: Provider;
  accounts: AccountService;
  branding?: Partial<Branding>;
}

// Interaction pages carry one-time state and personal data: never cache them.
const noStore: Middleware = async (ctx, next) => {
  ctx.set('Cache-Control', 'no-store');
  await next();
};

/**
 * The pages oidc-provider sends a person to (`interactions.url`): login,
 * consent, abort. Each step follows one rhythm: load the interaction, check
 * the prompt, validate the form, act through services, interactionFinished.
 */
export function createInteractionRouter({ provider, accounts, branding }: InteractionRouterDeps): Router {
  const render = createPageRenderer(resolveBranding(branding));
  const deps: InteractionDeps = { provider, accounts, render };
  // Only the form posts need a body, and only urlencoded ones (no JSON, no text).
  // Typed as a plain Middleware: bodyParser's own (ctx: Context) signature does not
  // unify with @koa/router's generic context in the route overloads.
  const form: Middleware = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  const router = new Router();
  router.get(STYLESHEET_PATH, createStylesheetRoute());
  router.use(noStore);
  router.use(views(VIEWS_DIR, { extension: 'pug', options: { cache: true } }));
  router.use(createInteractionErrorPages(render));

  router.get('/interaction/:uid', createShowInteraction(deps));
  router.post('/interaction/:uid/login', form, createSubmitLogin(deps));
  router.post('/interaction/:uid/confirm', createConfirmConsent(deps));
  router.post('/interaction/:uid/abort', createAbortInteraction(deps));
  return router;
}
