import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../../config/load-config.js';
import type { RedisClient } from '../../redis/redis-client.js';
import { createLimiter } from '../../redis/create-limiter.js';
import { lockSeconds } from '../login-throttle.js';

export type SecondFactorVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; scope: 'account_ip' | 'account' };

export interface SecondFactorAttempt {
  accountId: string;
  ip: string;
}

/** Counts wrong second-factor codes; successes never count. */
export interface SecondFactorThrottle {
  check(attempt: SecondFactorAttempt): Promise<SecondFactorVerdict>;
  recordFailure(attempt: SecondFactorAttempt): Promise<SecondFactorVerdict>;
  recordSuccess(attempt: SecondFactorAttempt): Promise<void>;
}

type Scope = 'account_ip' | 'account';

interface Dimension {
  scope: Scope;
  threshold: number;
  failures: RateLimiterAbstract;
  locks: RateLimiterAbstract;
}

const secondsOf = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/**
 * The login lockout's attempt counting (login-throttle.ts: the same
 * thresholds, window and doubling lock) with counters of its own, for codes
 * typed after the password: a person who knows the password must not be able
 * to try every authenticator code (RFC 6238 §5.2 asks verifiers to throttle;
 * NIST SP 800-63B §5.2.2). Keyed by account and address, and by account from
 * anywhere; the account is already known here, so no known-browser exemption.
 */
export function createSecondFactorThrottle(config: Config, redis: RedisClient | undefined): SecondFactorThrottle {
  const policy = config.loginLockout;
  const prefix = `${config.redis.keyPrefix}mfa`;
  const dimension = (scope: Scope, threshold: number): Dimension => ({
    scope,
    threshold,
    failures: createLimiter(redis, { keyPrefix: `${prefix}:fail:${scope}`, points: 1_000_000, durationSeconds: policy.failureWindowSeconds }),
    locks: createLimiter(redis, { keyPrefix: `${prefix}:lock:${scope}`, points: 1, durationSeconds: policy.maxSeconds }),
  });
  const dimensions = [dimension('account_ip', policy.threshold), dimension('account', policy.accountThreshold)].filter((entry) => entry.threshold > 0);
  const keyOf = (scope: Scope, attempt: SecondFactorAttempt) => (scope === 'account' ? attempt.accountId : `${attempt.accountId}:${attempt.ip}`);

  function verdictOf(waits: Array<[Scope, number]>): SecondFactorVerdict {
    const [longest] = waits.filter(([, seconds]) => seconds > 0).sort((a, b) => b[1] - a[1]);
    return longest ? { allowed: false, scope: longest[0], retryAfterSeconds: longest[1] } : { allowed: true };
  }

  async function lockedFor(entry: Dimension, key: string): Promise<[Scope, number]> {
    const res = await entry.locks.get(key).catch(() => null);
    return [entry.scope, res && res.consumedPoints > 1 ? secondsOf(res) : 0];
  }

  async function lockIfNeeded(entry: Dimension, key: string): Promise<[Scope, number]> {
    const res = await entry.failures.consume(key).catch((err: unknown) => (err instanceof RateLimiterRes ? err : null));
    if (!res || res.consumedPoints < entry.threshold) return [entry.scope, 0];
    const seconds = lockSeconds(res.consumedPoints - entry.threshold + 1, policy.baseSeconds, policy.maxSeconds);
    await entry.locks.block(key, seconds).catch(() => undefined);
    return [entry.scope, seconds];
  }

  return {
    check: async (attempt) => verdictOf(await Promise.all(dimensions.map((entry) => lockedFor(entry, keyOf(entry.scope, attempt))))),
    recordFailure: async (attempt) => verdictOf(await Promise.all(dimensions.map((entry) => lockIfNeeded(entry, keyOf(entry.scope, attempt))))),
    async recordSuccess(attempt) {
      // Only the pair, as at login: a success must not hand a distributed attack a fresh account budget.
      const pair = dimensions.find((entry) => entry.scope === 'account_ip');
      const key = keyOf('account_ip', attempt);
      if (pair) await Promise.all([pair.failures.delete(key), pair.locks.delete(key)]).catch(() => undefined);
    },
  };
}
