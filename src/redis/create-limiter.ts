import type { RedisClient } from './redis-client.js';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface LimiterOptions {
  /** Key namespace, e.g. `oidc:rl:token:ip:`; the Redis key prefix is part of it. */
  keyPrefix: string;
  points: number;
  durationSeconds: number;
}

/**
 * A rate-limiter-flexible limiter: shared through Redis when it is configured
 * (so every instance counts together), in process memory otherwise. While
 * Redis is unreachable an in-memory limiter stands in (`insuranceLimiter`), so
 * an outage neither lifts the limits nor turns every request into an error.
 */
export function createLimiter(redis: RedisClient | undefined, options: LimiterOptions): RateLimiterAbstract {
  const base = { keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds };
  const memory = new RateLimiterMemory(base);
  if (!redis) return memory;
  return new RateLimiterRedis({ ...base, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: memory });
}
