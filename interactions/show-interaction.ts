import type { RouterMiddleware } from '@koa/router';
import { renderConsentPage } from './consent.js';
import { finishDeviceConsent, isAnsweredByDeviceConfirmation } from './device-consent.js';
import type { InteractionDeps } from './interaction-deps.js';
import { renderWrongPrompt } from './interaction-errors.js';
import { renderLoginPage } from './login.js';
import { renderSecondFactorPage } from './second-factor-page.js';
import { MFA_PROMPT } from '../src/oidc/configuration/build-interaction-policy.js';
import { CREATE_PROMPT } from '../src/oidc/configuration/build-sign-up-prompt.js';
import { renderSignUpPage } from './sign-up.js';

/** GET /interaction/:uid: the page for whichever prompt the provider is waiting on. */
export function createShowInteraction(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    switch (details.prompt.name) {
      case 'login':
        return renderLoginPage(ctx, deps, details);
      case 'consent':
        // The device flow asks once: its confirmation page was the consent.
        if (details.session?.accountId && isAnsweredByDeviceConfirmation(details)) {
          return finishDeviceConsent(ctx, deps, details, details.session.accountId);
        }
        return renderConsentPage(ctx, deps, details);
      // prompt=create (OpenID Connect Prompt Create §4): the sign-up page first.
      case CREATE_PROMPT:
        return renderSignUpPage(ctx, deps, details);
      case MFA_PROMPT:
        return renderSecondFactorPage(ctx, deps, details);
      default:
        return renderWrongPrompt(ctx, deps.render);
    }
  };
}
