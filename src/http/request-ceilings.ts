import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config/load-config.js';
import type { RedisClient } from '../redis/redis-client.js';
import { createLimiter } from '../redis/create-limiter.js';

/** The endpoints whose requests may be counted, named as in oidc-provider's `routes`. */
export type CeilingEndpoint = 'token' | 'introspection' | 'device_authorization' | 'registration';

export interface CeilingRefusal {
  scope: 'ip' | 'client';
  retryAfterSeconds: number;
}

export interface RequestCeiling {
  /** Before the request: counts it against its address; refuses an address or client over its ceiling. */
  before(ip: string, clientId: string | undefined): Promise<CeilingRefusal | undefined>;
  /** After the response: a request that authenticated counts against its client (not awaited by callers). */
  after(status: number, clientId: string | undefined): void;
}

function secondsOf(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** A store error (Redis gone and no insurance) must not block traffic: fail open. */
function rejection(err: unknown): RateLimiterRes | undefined {
  return err instanceof RateLimiterRes ? err : undefined;
}

/**
 * Request counts per RATE_LIMIT_WINDOW_SECONDS, each costing one Redis round
 * trip, so by default only where a request is unauthenticated and creates
 * state: device authorization (RFC 8628 §3.1, public clients) and dynamic
 * registration (RFC 7591 §3) per address. The token and introspection ceilings
 * are off by default (DESIGN.md 5a: no Redis round trip on a successful
 * hot-path request); an operator who turns them on pays that round trip.
 * A client's count grows only with requests that passed client authentication,
 * so someone who merely names a client cannot spend its quota.
 */
export function createRequestCeilings(config: Config, redis: RedisClient | undefined): ReadonlyMap<string, RequestCeiling> {
  const limits = config.rateLimit;
  const perEndpoint: Array<[CeilingEndpoint, number, number]> = [
    ['token', limits.tokenPerIp, limits.tokenPerClient],
    ['introspection', limits.introspectionPerIp, limits.introspectionPerClient],
    ['device_authorization', limits.deviceAuthorizationPerIp, limits.deviceAuthorizationPerClient],
    // Registration has no client yet: per address only.
    ['registration', limits.registrationPerIp, 0],
  ];
  const ceilings = new Map<CeilingEndpoint, RequestCeiling>();
  for (const [name, perIp, perClient] of perEndpoint) {
    if (perIp > 0 || perClient > 0) ceilings.set(name, createCeiling(config, redis, name, perIp, perClient));
  }
  return ceilings;
}

function createCeiling(config: Config, redis: RedisClient | undefined, name: CeilingEndpoint, perIp: number, perClient: number): RequestCeiling {
  const limiter = (scope: string, points: number): RateLimiterAbstract | undefined => (points > 0
    ? createLimiter(redis, { keyPrefix: `${config.redis.keyPrefix}rl:${name}:${scope}`, points, durationSeconds: config.rateLimit.windowSeconds })
    : undefined);
  const byIp = limiter('ip', perIp);
  const byClient = limiter('client', perClient);
  return {
    async before(ip, clientId) {
      // Both look-ups go out together: one round trip (ioredis pipelines them).
      const [refusedByIp, current] = await Promise.all([
        byIp ? byIp.consume(ip).then(() => undefined, rejection) : undefined,
        byClient && clientId ? byClient.get(clientId).catch(() => null) : null,
      ]);
      if (refusedByIp) return { scope: 'ip', retryAfterSeconds: secondsOf(refusedByIp) };
      if (current && current.consumedPoints >= perClient) return { scope: 'client', retryAfterSeconds: secondsOf(current) };
      return undefined;
    },
    after(status, clientId) {
      if (byClient && clientId && status !== 401) byClient.consume(clientId).catch(() => undefined);
    },
  };
}
