import type { Context } from 'koa';

/** An RFC 6750 §3 / RFC 9449 §7.1 failure, answered with a WWW-Authenticate challenge. */
export class BearerError extends Error {
  constructor(
    readonly status: 401 | 403 | 400,
    /** Absent for a request without credentials (RFC 6750 §3.1: no error code then). */
    readonly code: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | undefined,
    readonly description: string,
    readonly options: { scope?: string; scheme?: 'Bearer' | 'DPoP' } = {},
  ) {
    super(description);
    this.name = 'BearerError';
  }
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/**
 * The bearer check answers its own failures instead of throwing to the app's
 * error responder (src/http/error-middleware.ts), on purpose: src/api/ is
 * meant to be copied into another Koa service with only koa and jose
 * (docs/apis.md). The example API's other answers use AppError.
 *
 * Writes the error the way RFC 6750 §3 asks: a challenge naming the realm,
 * the error code and (for insufficient_scope) the scope needed. A failure
 * about a DPoP-bound token or proof is challenged with the DPoP scheme
 * (RFC 9449 §7.1); the Bearer challenge is offered beside it.
 */
export function sendBearerError(ctx: Context, error: BearerError, realm: string, dpopAlgs: readonly string[]): void {
  const params = [`realm=${quote(realm)}`];
  if (error.code) params.push(`error=${quote(error.code)}`, `error_description=${quote(error.description)}`);
  if (error.options.scope) params.push(`scope=${quote(error.options.scope)}`);
  const bearer = `Bearer ${params.join(', ')}`;
  const dpop = `DPoP ${[...params, `algs=${quote(dpopAlgs.join(' '))}`].join(', ')}`;
  ctx.status = error.status;
  ctx.set('WWW-Authenticate', error.options.scheme === 'DPoP' ? [dpop, `Bearer realm=${quote(realm)}`] : [bearer, `DPoP realm=${quote(realm)}, algs=${quote(dpopAlgs.join(' '))}`]);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = error.code ? { error: error.code, error_description: error.description } : { error_description: error.description };
}
