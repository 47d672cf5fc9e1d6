import type { Context, Middleware } from 'koa';
import type { AccessTokenVerifier, VerifiedAccessToken } from './access-token-verifiers.js';
import { BearerError, sendBearerError } from './bearer-challenge.js';
import { DPOP_ALGORITHMS, verifyDpopProof, type DpopReplayCache } from './dpop-proof.js';

/**
 * Reusable access token check for Koa services (copy src/api/ — it needs
 * only koa and jose):
 *
 *   router.use(createBearerAuth({ realm: 'billing', verify: createJwtAccessTokenVerifier({...}), dpopReplay }));
 *   router.get('/invoices', requireScope('invoices:read'), handler);
 *
 * The token is read from the Authorization header only (RFC 6750 §2.1); the
 * query string is never consulted (RFC 6750 §2.3, RFC 9700 §4.3.2: URLs leak
 * into logs). Failures answer 401 with a WWW-Authenticate challenge (§3).
 */
export interface BearerAuthOptions {
  realm: string;
  verify: AccessTokenVerifier;
  /** Needed to accept DPoP-bound tokens; without it they are refused with a clear error. */
  dpopReplay?: DpopReplayCache;
  /** The URL the client called, for the proof's `htu`; behind a proxy, build it from the public origin. */
  requestUrl?: (ctx: Context) => string;
}

const STATE_KEY = 'accessToken';

interface BearerState {
  token: VerifiedAccessToken;
  /** The realm createBearerAuth challenges with, so requireScope() answers in the same one. */
  realm: string;
}

/** What createBearerAuth left for the later middleware of this request. */
export function bearerStateOf(ctx: Context): BearerState {
  const state = (ctx.state as Record<string, unknown>)[STATE_KEY] as BearerState | undefined;
  if (!state) throw new Error('accessTokenOf() or requireScope() used on a route without createBearerAuth()');
  return state;
}

/** The verified token of a request that passed createBearerAuth. */
export function accessTokenOf(ctx: Context): VerifiedAccessToken {
  return bearerStateOf(ctx).token;
}

function readAuthorization(ctx: Context): { scheme: 'Bearer' | 'DPoP'; token: string } {
  const header = ctx.get('authorization');
  // RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
  if (!header) throw new BearerError(401, undefined, 'an access token is required');
  const match = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  if (!match) throw new BearerError(400, 'invalid_request', 'the Authorization header must be "Bearer <token>" or "DPoP <token>"');
  return { scheme: match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] };
}

async function authenticate(ctx: Context, options: BearerAuthOptions): Promise<VerifiedAccessToken> {
  const { scheme, token } = readAuthorization(ctx);
  const verified = await options.verify(token);
  if (!verified.jkt) {
    if (scheme === 'DPoP') throw new BearerError(401, 'invalid_token', 'the access token is not DPoP-bound; use the Bearer scheme');
    return verified;
  }
  // RFC 9449 §7.2: a DPoP-bound token presented as a bearer token is refused.
  if (scheme !== 'DPoP') throw new BearerError(401, 'invalid_token', 'the access token is DPoP-bound; present it with the DPoP scheme and a DPoP proof', { scheme: 'DPoP' });
  if (!options.dpopReplay) throw new BearerError(401, 'invalid_token', 'DPoP-bound access tokens are not accepted by this API', { scheme: 'DPoP' });
  const proofs = ctx.headers.dpop;
  if (typeof proofs !== 'string' || proofs.includes(',')) {
    throw new BearerError(401, 'invalid_dpop_proof', 'exactly one DPoP proof header is required', { scheme: 'DPoP' });
  }
  await verifyDpopProof({
    proof: proofs,
    method: ctx.method,
    url: options.requestUrl?.(ctx) ?? ctx.href,
    accessToken: token,
    jkt: verified.jkt,
    replay: options.dpopReplay,
  });
  return verified;
}

export function createBearerAuth(options: BearerAuthOptions): Middleware {
  return async (ctx, next) => {
    let verified: VerifiedAccessToken;
    try {
      verified = await authenticate(ctx, options);
    } catch (err) {
      if (err instanceof BearerError) return sendBearerError(ctx, err, options.realm, DPOP_ALGORITHMS);
      // The authorization server or its keys are unreachable: not the caller's fault.
      ctx.status = 503;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: 'temporarily_unavailable', error_description: 'the access token could not be checked right now' };
      return undefined;
    }
    (ctx.state as Record<string, unknown>)[STATE_KEY] = { token: verified, realm: options.realm } satisfies BearerState;
    ctx.set('Cache-Control', 'no-store');
    return next();
  };
}
