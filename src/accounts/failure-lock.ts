import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClient } from '../redis/redis-client.js';
import { createLimiter } from '../redis/create-limiter.js';

/** The lock settings shared by the login form and the second-factor step (config `loginLockout`). */
export interface FailureLockPolicy {
  failureWindowSeconds: number;
  baseSeconds: number;
  maxSeconds: number;
}

/**
 * Failures counted under one key space; past the threshold each further
 * failure locks the key for twice as long. A lock is a key blocked for its
 * duration (`block` stores points + 1 consumed). Store errors fail open here:
 * the callers' verdicts already treat "no answer" as "no lock", since a Redis
 * outage must not lock everyone out.
 */
export interface FailureLock<Scope extends string> {
  readonly scope: Scope;
  /** Seconds left on this key's lock, 0 when unlocked. */
  lockedFor(key: string): Promise<[Scope, number]>;
  /** Counts one failure and locks the key once the threshold is reached; returns the lock now in force (0 when none). */
  recordFailure(key: string): Promise<[Scope, number]>;
  /** Forgets the key's failures and lock. */
  clear(key: string): Promise<void>;
}

export function secondsOf(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** How long the n-th failure past the threshold locks: base · 2^(n-1), capped. */
export function lockSeconds(failuresPastThreshold: number, baseSeconds: number, maxSeconds: number): number {
  const exponent = Math.min(Math.max(failuresPastThreshold - 1, 0), 30);
  return Math.min(baseSeconds * 2 ** exponent, maxSeconds);
}

export function createFailureLock<Scope extends string>(
  redis: RedisClient | undefined,
  keyPrefix: string,
  scope: Scope,
  threshold: number,
  policy: FailureLockPolicy,
): FailureLock<Scope> {
  const failures = createLimiter(redis, { keyPrefix: `${keyPrefix}:fail:${scope}`, points: 1_000_000, durationSeconds: policy.failureWindowSeconds });
  const locks = createLimiter(redis, { keyPrefix: `${keyPrefix}:lock:${scope}`, points: 1, durationSeconds: policy.maxSeconds });
  return {
    scope,
    async lockedFor(key) {
      const res = await locks.get(key).catch(() => null);
      return [scope, res && res.consumedPoints > 1 ? secondsOf(res) : 0];
    },
    async recordFailure(key) {
      const res = await failures.consume(key).catch((err: unknown) => (err instanceof RateLimiterRes ? err : null));
      if (!res || res.consumedPoints < threshold) return [scope, 0];
      const seconds = lockSeconds(res.consumedPoints - threshold + 1, policy.baseSeconds, policy.maxSeconds);
      await locks.block(key, seconds).catch(() => undefined);
      return [scope, seconds];
    },
    async clear(key) {
      await Promise.all([failures.delete(key), locks.delete(key)]).catch(() => undefined);
    },
  };
}
