import type { Middleware } from 'koa';
import { errors } from 'oidc-provider';

/**
 * oidc-provider 9 bug on the device pages (code_verification, device_resume):
 * when a request with no session yet fails, its error handler re-renders the
 * user-code form and marks the brand-new session as touched *after* the
 * session middleware has finished, and the route's final `persist()` then
 * throws "persist can only be called on previously persisted Sessions"
 * (lib/helpers/initialize_app.js ensureSessionSave). The error page was
 * already rendered with its 4xx status, so that answer is sent as it is;
 * without one, the error responder answers invalid_request.
 */
export function createUnsavedSessionGuard(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof TypeError) || !/previously persisted Sessions/.test(err.message)) throw err;
      if (ctx.status < 400 || ctx.status >= 500 || ctx.body === undefined || ctx.body === null) {
        throw new errors.InvalidRequest('start again at the device page');
      }
    }
  };
}
