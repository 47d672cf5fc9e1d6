import type { Middleware } from 'koa';
import { AppError } from './app-error.js';

/**
 * A request nothing answered (no route of ours, none of oidc-provider's: Koa
 * leaves status 404 and no body) becomes an AppError, so the one error
 * responder answers it: the styled 404 page with the request id for a
 * browser, `{error: "not_found"}` for anything else. Answers that carry a
 * body, such as a provider 404 in JSON (RFC 7592 §2.1), are left alone.
 */
export function createNotFoundFallback(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.status === 404 && ctx.body == null && ctx.respond !== false && !ctx.headerSent) {
      throw new AppError(404, 'not_found', 'There is nothing at this address.');
    }
  };
}
