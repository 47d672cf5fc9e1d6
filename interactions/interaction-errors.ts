import type { Context, Middleware } from 'koa';
import { errors } from 'oidc-provider';
import { renderErrorPage, type PageRenderer } from './render-page.js';

const START_AGAIN = 'Go back to the application and start signing in again.';

/**
 * Turns the errors a person can cause (an expired or unknown interaction, a
 * malformed form) into a readable page with the right status. Anything else
 * is a bug and goes on to the app's error middleware, which never shows a stack.
 */
export function createInteractionErrorPages(render: PageRenderer): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof errors.SessionNotFound) {
        await renderErrorPage(ctx, render, {
          status: err.status,
          heading: 'This sign-in request has expired',
          description: `It took too long, or the link was opened in another browser. ${START_AGAIN}`,
          code: err.error,
        });
        return;
      }
      if (err instanceof errors.OIDCProviderError && err.status < 500) {
        await renderErrorPage(ctx, render, {
          status: err.status,
          heading: 'Something went wrong',
          description: err.error_description ?? START_AGAIN,
          code: err.error,
        });
        return;
      }
      const status = (err as { status?: unknown }).status;
      if ((err as { expose?: unknown }).expose === true && typeof status === 'number' && status >= 400 && status < 500) {
        await renderErrorPage(ctx, render, { status, heading: 'The request could not be read', description: START_AGAIN });
        return;
      }
      throw err;
    }
  };
}

/** The interaction exists but waits for another step (e.g. a login form posted during consent). */
export async function renderWrongPrompt(ctx: Context, render: PageRenderer): Promise<void> {
  await renderErrorPage(ctx, render, {
    status: 400,
    heading: 'This step is not available',
    description: `The page you used does not match the sign-in step in progress. ${START_AGAIN}`,
    code: 'invalid_request',
  });
}
