import { createPublicKey } from 'node:crypto';
import { Router } from '@koa/router';
import type { Middleware } from 'koa';
import { createLocalJWKSet, type JWK } from 'jose';
import type { AccountService } from '../accounts/account-service.js';
import { accountClaims, type AccountClaims } from '../accounts/account-claims.js';
import { createJwtAccessTokenVerifier } from './access-token-verifiers.js';
import { accessTokenOf, createBearerAuth } from './bearer-auth.js';
import type { DpopReplayCache } from './dpop-proof.js';
import { requireScope } from './require-scope.js';
import { AppError } from '../http/app-error.js';

export interface ApiRouterDeps {
  issuer: string;
  /** This API's resource indicator, the `aud` its tokens must carry (RFC 8707, RFC 9068 §4). */
  audience: string;
  /** The provider's signing keys; only their public halves are used. */
  signingKeys: readonly Record<string, unknown>[];
  accounts: Pick<AccountService, 'findActiveUser'>;
  dpopReplay: DpopReplayCache;
}

/** Public halves of the signing keys: what GET /jwks publishes, without the HTTP round trip to ourselves. */
function publicJwks(keys: readonly Record<string, unknown>[]): { keys: JWK[] } {
  return {
    keys: keys.map((key) => {
      const publicJwk = createPublicKey({ key: key as JWK & { kty: string }, format: 'jwk' }).export({ format: 'jwk' }) as JWK;
      return { ...publicJwk, kid: key.kid as string, alg: key.alg as string, use: 'sig' };
    }),
  };
}

/**
 * The example API (a resource server) served under /api: GET /api/me for the
 * `profile` scope, GET /api/me/email for `email`. It validates JWT access
 * tokens locally (RFC 9068) the way a separate service would; only the key
 * source differs (createRemoteJWKSet there).
 */
export function createApiRouter(deps: ApiRouterDeps): Router {
  const router = new Router({ prefix: '/api' });
  // Same process, same clock as the issuer: no clock skew to tolerate.
  const keys = createLocalJWKSet(publicJwks(deps.signingKeys));
  const verify = createJwtAccessTokenVerifier({ issuer: deps.issuer, audience: deps.audience, keys, clockToleranceSeconds: 0 });
  router.use(createBearerAuth({ realm: deps.audience, verify, dpopReplay: deps.dpopReplay }));

  // Both routes answer the caller's own claims, picked for the scope they need.
  const claimsRoute = (scope: string, pick: (claims: AccountClaims) => Record<string, unknown>): Middleware[] => [
    requireScope(scope),
    async (ctx) => {
      const user = await deps.accounts.findActiveUser(accessTokenOf(ctx).subject);
      if (!user) throw new AppError(404, 'not_found', 'the account no longer exists');
      ctx.body = pick(accountClaims(user));
    },
  ];
  router.get('/me', ...claimsRoute('profile', (claims) => ({
    sub: claims.sub, preferred_username: claims.preferred_username, name: claims.name, updated_at: claims.updated_at,
  })));
  router.get('/me/email', ...claimsRoute('email', (claims) => ({ sub: claims.sub, email: claims.email, email_verified: claims.email_verified })));

  return router;
}
