import type { Context, Middleware } from 'koa';
import type { Logger } from '../observability/logger.js';
import { requestLogger } from '../observability/request-observer.js';
import { AppError } from './app-error.js';

function wantsHtml(accept: string | undefined): boolean {
  return typeof accept === 'string' && accept.includes('text/html');
}

/** Renders the styled error page into ctx.body (interactions/create-site-pages.ts); the status is set before. */
export type ErrorPageRenderer = (ctx: Context, out: { error: string; error_description?: string }) => void;

function bareHtml(code: string, description: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body><h1>${code}</h1><p>${description.replace(/[<>&"']/g, '')}</p></body></html>`;
}

/**
 * Last line of defence for our own routes: AppError becomes its status and
 * code, anything else a bare 500 `server_error` without details. oidc-provider
 * renders its own protocol errors before they reach here. A browser gets the
 * styled error page with the request id (bare HTML only if that page itself fails).
 */
export function createErrorMiddleware(logger: Logger, renderPage?: ErrorPageRenderer): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const known = err instanceof AppError ? err : undefined;
      const httpStatus = (err as { status?: number; expose?: boolean }).status;
      const status = known?.status ?? (httpStatus && httpStatus >= 400 && httpStatus < 500 ? httpStatus : 500);
      const code = known?.code ?? (status === 500 ? 'server_error' : 'invalid_request');
      const description = known?.message ?? (status === 500 ? 'The server could not complete the request.' : 'The request is not valid.');
      if (status === 500) requestLogger(ctx, logger).error({ err, requestId: ctx.state.requestId }, 'unhandled error');
      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      if (wantsHtml(ctx.get('accept'))) {
        ctx.type = 'html';
        ctx.body = bareHtml(code, description);
        try {
          renderPage?.(ctx, { error: code, error_description: description });
        } catch (renderError) {
          requestLogger(ctx, logger).error({ err: renderError }, 'the error page could not be rendered');
        }
      } else {
        ctx.body = { error: code, error_description: description };
      }
    }
  };
}
