import type { Context, Middleware } from 'koa';
import { errors } from 'oidc-provider';
import type { Logger } from '../observability/logger.js';
import { requestLogger } from '../observability/request-observer.js';
import { AppError, wantsErrorPage, type ErrorPageText } from './app-error.js';
import { isStoreOutage, storeUnavailable } from './store-outage.js';

/** Renders the styled error page into ctx.body (interactions/create-site-pages.ts); the status is set before. */
export type ErrorPageRenderer = (ctx: Context, out: { error: string; error_description?: string; page?: ErrorPageText }) => void;

const SERVER_ERROR = new AppError(500, 'server_error', 'The server could not complete the request.');

/**
 * Every failure as one AppError: ours as thrown; oidc-provider's errors with
 * their own code and description (thrown at the OAuth boundary by our
 * middleware, e.g. registration-secret-middleware.ts); an unreachable store
 * as 503; a request Koa or a body parser refused (http-errors, `expose`) as
 * invalid_request; anything else a bare 500 without details.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof errors.OIDCProviderError && err.status < 500) {
    const description = (err as { error_description?: string }).error_description;
    return new AppError(err.status, err.error, description ?? 'The request is not valid.');
  }
  if (isStoreOutage(err)) return storeUnavailable();
  const { status, expose } = err as { status?: unknown; expose?: unknown };
  if (expose === true && typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, 'invalid_request', 'The request is not valid.');
  }
  return SERVER_ERROR;
}

// A last resort when the styled page itself fails: nothing from the request is echoed.
function bareHtml(code: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body><h1>${code.replace(/[^a-z_]/g, '')}</h1></body></html>`;
}

/**
 * The one error responder. JSON `{error, error_description}` (RFC 6749 §5.2's
 * shape) for APIs and protocol clients; for a browser (Accept: text/html) the
 * styled error page with the request id. No stack trace or bare 500 reaches a
 * client. oidc-provider renders its own protocol errors before they reach here
 * (renderError, oidc/create-provider.ts).
 */
export function createErrorMiddleware(logger: Logger, renderPage: ErrorPageRenderer): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const error = toAppError(err);
      if (error === SERVER_ERROR) requestLogger(ctx, logger).error({ err, requestId: ctx.state.requestId }, 'unhandled error');
      ctx.status = error.status;
      for (const [name, value] of Object.entries(error.options.headers ?? {})) ctx.set(name, value);
      ctx.set('Cache-Control', 'no-store');
      if (!wantsErrorPage(ctx)) {
        ctx.body = { error: error.code, error_description: error.description };
        return;
      }
      const code = error.code ?? 'invalid_request';
      try {
        renderPage(ctx, { error: code, error_description: error.description, page: error.options.page });
      } catch (renderError) {
        requestLogger(ctx, logger).error({ err: renderError }, 'the error page could not be rendered');
        ctx.type = 'html';
        ctx.body = bareHtml(code);
      }
    }
  };
}
