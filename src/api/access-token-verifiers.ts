import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { BearerError } from './bearer-challenge.js';

/** What a protected route needs to know about the caller's access token. */
export interface VerifiedAccessToken {
  readonly subject: string;
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
  /** RFC 9449 §6: SHA-256 thumbprint of the key the token is bound to (DPoP), when bound. */
  readonly jkt: string | undefined;
}

/** Validates a token string; throws BearerError(invalid_token) for anything not acceptable. */
export type AccessTokenVerifier = (token: string) => Promise<VerifiedAccessToken>;

function invalidToken(description: string): BearerError {
  return new BearerError(401, 'invalid_token', description);
}

function fromClaims(claims: JWTPayload & { client_id?: unknown; scope?: unknown; cnf?: { jkt?: unknown } }): VerifiedAccessToken {
  if (typeof claims.sub !== 'string' || typeof claims.client_id !== 'string' || typeof claims.exp !== 'number') {
    throw invalidToken('the access token lacks sub, client_id or exp');
  }
  return {
    subject: claims.sub,
    clientId: claims.client_id,
    scopes: new Set(typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : []),
    expiresAt: claims.exp,
    jkt: typeof claims.cnf?.jkt === 'string' ? claims.cnf.jkt : undefined,
  };
}

/**
 * Validates RFC 9068 JWT access tokens locally against the issuer's keys:
 * signature, `typ: at+jwt` (§2.1, so an ID token is never taken for an access
 * token), issuer, audience (this API only, RFC 8707) and expiry (§4). No call
 * to the server per request — so a revoked token keeps validating until it
 * expires; keep the API's token lifetime short (README, "Protecting your API").
 * `keys` is jose's createRemoteJWKSet(new URL(`${issuer}/jwks`)) in another
 * service, or createLocalJWKSet when the keys are at hand.
 */
export function createJwtAccessTokenVerifier(options: { issuer: string; audience: string; keys: JWTVerifyGetKey; clockToleranceSeconds?: number }): AccessTokenVerifier {
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
        clockTolerance: options.clockToleranceSeconds ?? 5,
      });
      return fromClaims(payload);
    } catch (err) {
      if (err instanceof BearerError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw invalidToken('the access token expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud') throw invalidToken('the access token is for another API');
      throw invalidToken('the access token is not valid');
    }
  };
}

/**
 * Validates opaque (or any) access tokens by asking the server (RFC 7662),
 * authenticated as a confidential client. Revocation shows at once; the cost
 * is one round trip per request (cache briefly if that matters, and accept
 * that the cache window delays revocation the same way).
 */
export function createIntrospectionVerifier(options: { introspectionEndpoint: string; clientId: string; clientSecret: string; audience: string }): AccessTokenVerifier {
  const credentials = Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64');
  return async (token) => {
    const response = await fetch(options.introspectionEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${credentials}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
    });
    const result = await response.json().catch(() => ({})) as JWTPayload & { active?: boolean; error?: string };
    // oidc-provider does not introspect structured (JWT) access tokens: such a token is not one this API accepts.
    if (response.status === 400 && result.error === 'unsupported_token_type') throw invalidToken('the access token is for another API');
    // Any other failure is the server's problem, not the caller's token: bearer-auth answers 503.
    if (!response.ok) throw new Error(`introspection answered ${response.status}`);
    if (result.active !== true) throw invalidToken('the access token is not active (expired, revoked or unknown)');
    const audiences = typeof result.aud === 'string' ? [result.aud] : result.aud ?? [];
    if (!audiences.includes(options.audience)) throw invalidToken('the access token is for another API');
    return fromClaims(result);
  };
}
