import type { Context, Middleware } from 'koa';
import type { RedisClient } from '../redis/redis-client.js';
import type { Config } from '../config/load-config.js';
import { AppError } from './app-error.js';
import { createClientAuthFailures } from './client-auth-failures.js';
import { createRequestCeilings, type CeilingEndpoint } from './request-ceilings.js';

/**
 * Rate limits on the endpoints where clients authenticate or register
 * (oidc-provider's default routes), aimed at what an attacker does rather than
 * at busy clients:
 * - failed client authentications per address and per (client, address)
 *   block that key for a while (client-auth-failures.ts);
 * - unauthenticated floods of device authorizations and registrations are
 *   counted per address (request-ceilings.ts), as are optional token and
 *   introspection ceilings that are off by default.
 * A successful token or introspection request from an unblocked address does
 * no store round trip here. The login form has its own throttle
 * (accounts/login-throttle.ts).
 */
type Endpoint = CeilingEndpoint | 'revocation' | 'pushed_authorization' | 'backchannel_authentication' | 'registration_management';

// POST endpoints that authenticate a client (RFC 6749 §2.3) or register one (RFC 7591).
const POST_ENDPOINTS: Record<string, Endpoint> = {
  '/token': 'token',
  '/token/introspection': 'introspection',
  '/token/revocation': 'revocation',
  '/device/auth': 'device_authorization',
  '/request': 'pushed_authorization',
  '/backchannel': 'backchannel_authentication',
  '/reg': 'registration',
};

function endpointOf(ctx: Context): Endpoint | undefined {
  // RFC 7592 management URLs, any method, authenticated by the registration access token.
  if (ctx.path.startsWith('/reg/')) return 'registration_management';
  return ctx.method === 'POST' ? POST_ENDPOINTS[ctx.path] : undefined;
}

/**
 * The client a request claims to be, read without touching the body: the
 * Basic credentials (RFC 6749 §2.3.1, form-urlencoded inside base64) or a
 * `client_id` query parameter. A body is parsed once, by oidc-provider; clients
 * that send client_id or client_assertion in the form are bounded by the
 * per-address limits instead.
 */
export function claimedClientId(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  const match = /^basic\s+([a-z0-9+/=._-]{1,2048})$/i.exec(header);
  if (match) {
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      try {
        return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')).slice(0, 256);
      } catch {
        return undefined;
      }
    }
  }
  const query = ctx.query.client_id;
  return typeof query === 'string' && query ? query.slice(0, 256) : undefined;
}

/** A failed client authentication (RFC 6749 §5.2 `invalid_client`), or a refused registration token (RFC 6750 §3.1). */
function failedAuthentication(ctx: Context, endpoint: Endpoint): boolean {
  if (ctx.status !== 401) return false;
  const error = (ctx.body as { error?: unknown } | null | undefined)?.error;
  return error === 'invalid_client' || (endpoint.startsWith('registration') && error === 'invalid_token');
}

function tooMany(retryAfterSeconds: number): AppError {
  // RFC 6585 §4: 429 with Retry-After. RFC 6749 §5.2 has no token-endpoint code
  // for this, so the body borrows `temporarily_unavailable` (§4.1.2.1), which
  // clients already treat as "try again later". The error middleware renders it.
  return new AppError(429, 'temporarily_unavailable', `too many requests; retry after ${retryAfterSeconds} seconds`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

export function createRateLimitMiddleware(config: Config, redis: RedisClient | undefined, onReject: (limiter: string) => void = () => {}): Middleware {
  const failures = createClientAuthFailures(config, redis);
  const ceilings = createRequestCeilings(config, redis);

  return async (ctx, next) => {
    const endpoint = endpointOf(ctx);
    if (!endpoint) return next();
    const ip = ctx.ip || 'unknown';
    const clientId = claimedClientId(ctx);
    const blocked = await failures.check(ip, clientId);
    if (blocked) {
      onReject(`auth_failures:${blocked.scope}`);
      throw tooMany(blocked.retryAfterSeconds);
    }
    const ceiling = ceilings.get(endpoint);
    const over = await ceiling?.before(ip, clientId);
    if (over) {
      onReject(`${endpoint}:${over.scope}`);
      throw tooMany(over.retryAfterSeconds);
    }
    await next();
    // Awaited, so the next request from this key already sees a block just set.
    if (failedAuthentication(ctx, endpoint)) await failures.recordFailure(ip, clientId);
    else ceiling?.after(ctx.status, clientId);
    return undefined;
  };
}
