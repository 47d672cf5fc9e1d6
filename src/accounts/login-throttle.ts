import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/redis-client.js';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config/load-config.js';
import { createLimiter } from '../redis/create-limiter.js';

export type LoginVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface LoginThrottle {
  /** Before a password is checked: is this IP sending too many posts, or is the name or the IP locked? */
  check(username: string, ip: string): Promise<LoginVerdict>;
  /** After a failure; locks the name (and the IP) once their threshold is reached. Returns the lock, if any. */
  recordFailure(username: string, ip: string): Promise<LoginVerdict>;
  /** After a success: the name's failure history is forgotten. */
  recordSuccess(username: string): Promise<void>;
}

// Counters never carry the username itself: a hash keeps names out of Redis.
function accountKey(username: string): string {
  return createHash('sha256').update(username.trim().toLowerCase()).digest('base64url');
}

function secondsOf(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** How long the n-th failure past the threshold locks: base · 2^(n-1), capped. */
export function lockSeconds(failuresPastThreshold: number, baseSeconds: number, maxSeconds: number): number {
  const exponent = Math.min(Math.max(failuresPastThreshold - 1, 0), 30);
  return Math.min(baseSeconds * 2 ** exponent, maxSeconds);
}

async function lockedFor(limiter: RateLimiterAbstract, key: string): Promise<number> {
  const res = await limiter.get(key).catch(() => null);
  return res && res.consumedPoints > 1 ? secondsOf(res) : 0;
}

/**
 * Brute-force protection for the login form (RFC 6819 §4.4.3.6, OWASP
 * "Blocking brute force attacks"): failures are counted per username —
 * whether or not it exists, so a lock says nothing about existence — and
 * per IP. Past the threshold each further failure locks for twice as long.
 * Counters live in Redis when configured (shared by all instances).
 */
export function createLoginThrottle(config: Config, redis: RedisClient | undefined): LoginThrottle {
  const { loginLockout: policy, rateLimit } = config;
  const prefix = `${config.redis.keyPrefix}login`;
  const window = policy.failureWindowSeconds;
  const failures = {
    account: createLimiter(redis, { keyPrefix: `${prefix}:fail:account`, points: 1_000_000, durationSeconds: window }),
    ip: createLimiter(redis, { keyPrefix: `${prefix}:fail:ip`, points: 1_000_000, durationSeconds: window }),
  };
  // A lock is a key blocked for its duration (`block` sets points + 1 consumed).
  const locks = {
    account: createLimiter(redis, { keyPrefix: `${prefix}:lock:account`, points: 1, durationSeconds: policy.maxSeconds }),
    ip: createLimiter(redis, { keyPrefix: `${prefix}:lock:ip`, points: 1, durationSeconds: policy.maxSeconds }),
  };
  const posts = rateLimit.loginPerIp > 0
    ? createLimiter(redis, { keyPrefix: `${prefix}:posts:ip`, points: rateLimit.loginPerIp, durationSeconds: rateLimit.windowSeconds })
    : undefined;

  async function lockIfNeeded(kind: 'account' | 'ip', key: string, threshold: number): Promise<number> {
    const res = await failures[kind].consume(key).catch((err: unknown) => (err instanceof RateLimiterRes ? err : null));
    if (!res || res.consumedPoints < threshold) return 0;
    const seconds = lockSeconds(res.consumedPoints - threshold + 1, policy.baseSeconds, policy.maxSeconds);
    await locks[kind].block(key, seconds).catch(() => undefined);
    return seconds;
  }

  return {
    async check(username, ip) {
      if (posts) {
        const refused = await posts.consume(ip).then(() => undefined, (err: unknown) => (err instanceof RateLimiterRes ? err : undefined));
        if (refused) return { allowed: false, retryAfterSeconds: secondsOf(refused) };
      }
      // Both look-ups go out together: one round trip (ioredis pipelines them).
      const [account, byIp] = await Promise.all([lockedFor(locks.account, accountKey(username)), lockedFor(locks.ip, ip)]);
      const wait = Math.max(account, byIp);
      return wait > 0 ? { allowed: false, retryAfterSeconds: wait } : { allowed: true };
    },
    async recordFailure(username, ip) {
      const [account, byIp] = await Promise.all([
        lockIfNeeded('account', accountKey(username), policy.threshold),
        lockIfNeeded('ip', ip, policy.ipThreshold),
      ]);
      const wait = Math.max(account, byIp);
      return wait > 0 ? { allowed: false, retryAfterSeconds: wait } : { allowed: true };
    },
    async recordSuccess(username) {
      const key = accountKey(username);
      await Promise.all([failures.account.delete(key), locks.account.delete(key)]).catch(() => undefined);
    },
  };
}
