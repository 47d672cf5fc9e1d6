import type { Context, Middleware } from 'koa';
import { errors } from 'oidc-provider';
import { AppError, wantsErrorPage } from '../src/http/app-error.js';
import { readableError } from './error-messages.js';
import { renderErrorPage, type PageRenderer } from './render-page.js';

const START_AGAIN = 'Go back to the application and start signing in again.';

/** The errors a person can cause on our pages, in the words a person reads; undefined for a bug. */
function translate(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof errors.SessionNotFound) {
    return new AppError(err.status, err.error, err.error_description ?? START_AGAIN, {
      page: { heading: 'This sign-in request has expired', advice: `It took too long, or the link was opened in another browser. ${START_AGAIN}` },
    });
  }
  if (err instanceof errors.OIDCProviderError && err.status < 500) {
    const description = (err as { error_description?: string }).error_description ?? START_AGAIN;
    return new AppError(err.status, err.error, description, { page: { heading: 'Something went wrong', advice: description } });
  }
  const status = (err as { status?: unknown }).status;
  if ((err as { expose?: unknown }).expose === true && typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, 'invalid_request', 'The request could not be read.', { page: { heading: 'The request could not be read', advice: START_AGAIN } });
  }
  return undefined;
}

/**
 * The error page on the interaction, account and console routes, so the
 * router answers a person even when mounted on a bare provider (tests). The
 * same rule and the same page as the app's error responder
 * (src/http/error-middleware.ts), which answers everything else: JSON for a
 * script's fetch, and every unexpected error (logged, never a stack).
 */
export function createInteractionErrorPages(render: PageRenderer): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const error = translate(err);
      if (!error || !wantsErrorPage(ctx)) throw error ?? err;
      for (const [name, value] of Object.entries(error.options.headers ?? {})) ctx.set(name, value);
      const readable = error.options.page ?? readableError(error.code ?? 'invalid_request');
      await renderErrorPage(ctx, render, { status: error.status, heading: readable.heading, description: readable.advice, code: error.code });
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
