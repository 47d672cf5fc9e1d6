import type { RouterMiddleware } from '@koa/router';
import type { InteractionDeps } from './interaction-deps.js';

/**
 * POST /interaction/:uid/abort: the person declined (Cancel on login, Deny on
 * consent). The client receives access_denied (OpenID Connect Core §3.1.2.6).
 */
export function createAbortInteraction(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    // Loading first turns an expired or foreign interaction into the error page.
    await deps.provider.interactionDetails(ctx.req, ctx.res);
    await deps.provider.interactionFinished(ctx.req, ctx.res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  };
}
