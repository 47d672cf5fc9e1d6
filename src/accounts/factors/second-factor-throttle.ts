import type { Config } from '../../config/load-config.js';
import type { RedisClient } from '../../redis/redis-client.js';
import { createFailureLock } from '../failure-lock.js';

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
  const thresholds: Array<[Scope, number]> = [['account_ip', policy.threshold], ['account', policy.accountThreshold]];
  const dimensions = thresholds
    .filter(([, threshold]) => threshold > 0)
    .map(([scope, threshold]) => createFailureLock(redis, prefix, scope, threshold, policy));
  const keyOf = (scope: Scope, attempt: SecondFactorAttempt) => (scope === 'account' ? attempt.accountId : `${attempt.accountId}:${attempt.ip}`);

  function verdictOf(waits: Array<[Scope, number]>): SecondFactorVerdict {
    const [longest] = waits.filter(([, seconds]) => seconds > 0).sort((a, b) => b[1] - a[1]);
    return longest ? { allowed: false, scope: longest[0], retryAfterSeconds: longest[1] } : { allowed: true };
  }

  return {
    check: async (attempt) => verdictOf(await Promise.all(dimensions.map((entry) => entry.lockedFor(keyOf(entry.scope, attempt))))),
    recordFailure: async (attempt) => verdictOf(await Promise.all(dimensions.map((entry) => entry.recordFailure(keyOf(entry.scope, attempt))))),
    async recordSuccess(attempt) {
      // Only the pair, as at login: a success must not hand a distributed attack a fresh account budget.
      await dimensions.find((entry) => entry.scope === 'account_ip')?.clear(keyOf('account_ip', attempt));
    },
  };
}
