import type { RouterMiddleware } from '@koa/router';
import type { InteractionDeps } from './interaction-deps.js';
import { requestOrigin } from '../src/audit/request-origin.js';

/**
 * POST /interaction/:uid/abort: the person declined (Cancel on login, Deny on
 * consent). The client receives access_denied (OpenID Connect Core §3.1.2.6).
 */
export function createAbortInteraction(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    // Loading first turns an expired or foreign interaction into the error page.
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name === 'consent') {
      await deps.audit?.record({
        event: 'consent.denied', actor: details.session?.accountId, clientId: String(details.params.client_id ?? ''), ...requestOrigin(ctx),
      });
    }
    await deps.provider.interactionFinished(ctx.req, ctx.res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  };
}
