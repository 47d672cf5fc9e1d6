import type { Context, Middleware } from 'koa';
import type { RedisClient } from '../redis/redis-client.js';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config/load-config.js';
import { createLimiter } from '../redis/create-limiter.js';

interface EndpointRule {
  name: string;
  matches(ctx: Context): boolean;
  perClient: number;
  perIp: number;
}

interface ArmedRule {
  rule: EndpointRule;
  byClient: RateLimiterAbstract | undefined;
  byIp: RateLimiterAbstract | undefined;
}

function rules(limits: Config['rateLimit']): EndpointRule[] {
  const post = (path: string) => (ctx: Context) => ctx.method === 'POST' && ctx.path === path;
  return [
    { name: 'token', matches: post('/token'), perClient: limits.tokenPerClient, perIp: limits.tokenPerIp },
    { name: 'device_authorization', matches: post('/device/auth'), perClient: limits.deviceAuthorizationPerClient, perIp: limits.deviceAuthorizationPerIp },
    { name: 'introspection', matches: post('/token/introspection'), perClient: limits.introspectionPerClient, perIp: limits.introspectionPerIp },
    // Registration (RFC 7591) and its management URLs (RFC 7592): no client yet, per IP only.
    { name: 'registration', matches: (ctx) => ctx.path === '/reg' || ctx.path.startsWith('/reg/'), perClient: 0, perIp: limits.registrationPerIp },
  ];
}

/**
 * The client a request claims to be, read without touching the body: the
 * Basic credentials (RFC 6749 §2.3.1, form-urlencoded inside base64) or a
 * `client_id` query parameter. A body is parsed once, by oidc-provider; clients
 * that send client_id or client_assertion in the form are bounded by the
 * per-IP limit instead.
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

function tooMany(ctx: Context, res: RateLimiterRes): void {
  const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  // RFC 6585 §4: 429 with Retry-After. RFC 6749 §5.2 has no token-endpoint code
  // for this, so the body borrows `temporarily_unavailable` (§4.1.2.1), which
  // clients already treat as "try again later".
  ctx.status = 429;
  ctx.set('Retry-After', String(seconds));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: 'temporarily_unavailable', error_description: `too many requests; retry after ${seconds} seconds` };
}

/** A store error (Redis gone and no insurance) must not block traffic: fail open. */
function rejection(err: unknown): RateLimiterRes | undefined {
  return err instanceof RateLimiterRes ? err : undefined;
}

/**
 * Per-IP and per-client request limits on the token, device authorization,
 * introspection and registration endpoints. The per-IP count is taken before
 * the request; the per-client count only after a response that was not
 * `invalid_client`, so someone who merely names a client cannot spend its
 * quota (the check before the request still refuses an exhausted client).
 */
export function createRateLimitMiddleware(config: Config, redis: RedisClient | undefined, onReject: (limiter: string) => void = () => {}): Middleware {
  const { windowSeconds } = config.rateLimit;
  const armed: ArmedRule[] = rules(config.rateLimit).map((rule) => ({
    rule,
    byClient: rule.perClient > 0 ? createLimiter(redis, { keyPrefix: `${config.redis.keyPrefix}rl:${rule.name}:client`, points: rule.perClient, durationSeconds: windowSeconds }) : undefined,
    byIp: rule.perIp > 0 ? createLimiter(redis, { keyPrefix: `${config.redis.keyPrefix}rl:${rule.name}:ip`, points: rule.perIp, durationSeconds: windowSeconds }) : undefined,
  }));

  return async (ctx, next) => {
    const hit = armed.find(({ rule }) => rule.matches(ctx));
    if (!hit) return next();
    const clientId = hit.byClient ? claimedClientId(ctx) : undefined;
    // Both look-ups go out together: one round trip (ioredis pipelines them) instead of two.
    const [refusedByIp, current] = await Promise.all([
      hit.byIp ? hit.byIp.consume(ctx.ip || 'unknown').then(() => undefined, rejection) : undefined,
      hit.byClient && clientId ? hit.byClient.get(clientId).catch(() => null) : null,
    ]);
    if (refusedByIp) {
      onReject(`${hit.rule.name}:ip`);
      return tooMany(ctx, refusedByIp);
    }
    if (!hit.byClient || !clientId) return next();
    if (current && current.consumedPoints >= hit.rule.perClient) {
      onReject(`${hit.rule.name}:client`);
      return tooMany(ctx, current);
    }
    await next();
    // Counted after the handler so failed client authentication (401) never
    // spends a real client's quota; not awaited, the response does not wait for it.
    if (ctx.status !== 401) hit.byClient.consume(clientId).catch(() => undefined);
    return undefined;
  };
}
