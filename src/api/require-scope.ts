import type { Middleware } from 'koa';
import { bearerStateOf } from './bearer-auth.js';
import { BearerError, sendBearerError } from './bearer-challenge.js';
import { DPOP_ALGORITHMS } from './dpop-proof.js';

/**
 * Lets the request through only when the access token carries `scope`;
 * otherwise 403 insufficient_scope naming the scope needed (RFC 6750 §3.1),
 * challenged in createBearerAuth()'s realm. Use after createBearerAuth().
 */
export function requireScope(scope: string): Middleware {
  return async (ctx, next) => {
    const { token, realm } = bearerStateOf(ctx);
    if (!token.scopes.has(scope)) {
      const scheme = token.jkt ? 'DPoP' : 'Bearer';
      return sendBearerError(ctx, new BearerError(403, 'insufficient_scope', `this request needs the ${scope} scope`, { scope, scheme }), realm, DPOP_ALGORITHMS);
    }
    return next();
  };
}
