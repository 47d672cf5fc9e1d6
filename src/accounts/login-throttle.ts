import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/redis-client.js';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config/load-config.js';
import { createLimiter } from '../redis/create-limiter.js';
import { createFailureLock, secondsOf } from './failure-lock.js';

/** Which lock refused: one account from one address, one address, one account everywhere, or too many posts. */
export type LockScope = 'account_ip' | 'ip' | 'account' | 'posts';
export type LoginVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; scope: LockScope };

export interface LoginAttempt {
  username: string;
  ip: string;
}

/** Whether this browser has signed in to the attempted account before; asked only while that account is locked. */
export type KnownBrowserCheck = () => Promise<boolean>;

export interface LoginThrottle {
  /** How long a browser stays "known" after a sign-in (the device cookie's max age). */
  readonly knownBrowserSeconds: number;
  /** Before a password is checked: too many posts from the address, or a lock that applies to this attempt? */
  check(attempt: LoginAttempt, isKnownBrowser: KnownBrowserCheck): Promise<LoginVerdict>;
  /** After a failure: counts it and locks what reached its threshold. Returns the lock that now applies, if any. */
  recordFailure(attempt: LoginAttempt, isKnownBrowser: KnownBrowserCheck): Promise<LoginVerdict>;
  /** After a success: this account's failures from this address are forgotten. */
  recordSuccess(attempt: LoginAttempt): Promise<void>;
}

// Counters never carry the username itself: a hash keeps names out of Redis.
function accountKey(username: string): string {
  return createHash('sha256').update(username.trim().toLowerCase()).digest('base64url');
}

type Scope = Exclude<LockScope, 'posts'>;

function keysOf(attempt: LoginAttempt): Record<Scope, string> {
  const account = accountKey(attempt.username);
  return { account_ip: `${account}:${attempt.ip}`, ip: attempt.ip, account };
}

/**
 * The longest lock among those that apply. The account-wide lock does not
 * apply to a browser that has signed in to that account before, so an
 * attacker cannot keep the owner out of their own browser; the locks on the
 * attacker's own address and (account, address) pair always apply, even to
 * the right password, or the lock would tell the attacker when they guessed it.
 */
async function applicable(waits: Array<[Scope, number]>, isKnownBrowser: KnownBrowserCheck): Promise<LoginVerdict> {
  const locked = waits.filter(([, seconds]) => seconds > 0).sort((a, b) => b[1] - a[1]);
  const own = locked.find(([scope]) => scope !== 'account');
  if (own) return { allowed: false, scope: own[0], retryAfterSeconds: own[1] };
  const account = locked.find(([scope]) => scope === 'account');
  if (account && !(await isKnownBrowser())) return { allowed: false, scope: 'account', retryAfterSeconds: account[1] };
  return { allowed: true };
}

/**
 * Brute-force protection for the login form (RFC 6819 §4.4.3.6; OWASP
 * Authentication Cheat Sheet, "Account lockout"): failures are counted per
 * (account, address) pair, per address and per account — whether or not the
 * account exists, so a lock says nothing about existence. Past its threshold
 * each further failure locks that key for twice as long. The per-account
 * threshold is high and aimed at guessing spread over many addresses; a known
 * browser (device cookie) is exempt from it. Counters live in Redis when
 * configured (shared by all instances); a login post is not on the hot path,
 * so the check reads the locks from the store each time.
 */
export function createLoginThrottle(config: Config, redis: RedisClient | undefined): LoginThrottle {
  const { loginLockout: policy, rateLimit } = config;
  const prefix = `${config.redis.keyPrefix}login`;
  const thresholds: Array<[Scope, number]> = [['account_ip', policy.threshold], ['ip', policy.ipThreshold], ['account', policy.accountThreshold]];
  const dimensions = thresholds
    .filter(([, threshold]) => threshold > 0)
    .map(([scope, threshold]) => createFailureLock(redis, prefix, scope, threshold, policy));
  const posts = rateLimit.loginPerIp > 0
    ? createLimiter(redis, { keyPrefix: `${prefix}:posts:ip`, points: rateLimit.loginPerIp, durationSeconds: rateLimit.windowSeconds })
    : undefined;

  return {
    knownBrowserSeconds: policy.knownBrowserSeconds,
    async check(attempt, isKnownBrowser) {
      if (posts) {
        const refused = await posts.consume(attempt.ip).then(() => undefined, (err: unknown) => (err instanceof RateLimiterRes ? err : undefined));
        if (refused) return { allowed: false, scope: 'posts', retryAfterSeconds: secondsOf(refused) };
      }
      const keys = keysOf(attempt);
      // The look-ups go out together: one round trip (ioredis pipelines them).
      return applicable(await Promise.all(dimensions.map((entry) => entry.lockedFor(keys[entry.scope]))), isKnownBrowser);
    },
    async recordFailure(attempt, isKnownBrowser) {
      const keys = keysOf(attempt);
      return applicable(await Promise.all(dimensions.map((entry) => entry.recordFailure(keys[entry.scope]))), isKnownBrowser);
    },
    async recordSuccess(attempt) {
      // Only the pair: clearing the address or the account would let an attacker
      // who owns some account reset their own budget, or a victim's sign-in hand a
      // distributed attack a fresh one.
      await dimensions.find((entry) => entry.scope === 'account_ip')?.clear(keysOf(attempt).account_ip);
    },
  };
}
