import type { RouterMiddleware } from '@koa/router';
import { renderConsentPage } from './consent.js';
import type { InteractionDeps } from './interaction-deps.js';
import { renderWrongPrompt } from './interaction-errors.js';
import { renderLoginPage } from './login.js';

/** GET /interaction/:uid: the page for whichever prompt the provider is waiting on. */
export function createShowInteraction(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    switch (details.prompt.name) {
      case 'login':
        return renderLoginPage(ctx, deps, details);
      case 'consent':
        return renderConsentPage(ctx, deps, details);
      default:
        return renderWrongPrompt(ctx, deps.render);
    }
  };
}
