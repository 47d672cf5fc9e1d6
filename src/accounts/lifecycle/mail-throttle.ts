import { createHash } from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { createLimiter } from '../../redis/create-limiter.js';
import type { RedisClient } from '../../redis/redis-client.js';

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * How often mailed links may be asked for (RATE_LIMIT_MAIL_*, per window):
 * - per requesting address: a refusal is shown (429), and says nothing about
 *   any account, since it counts every request from the address alike;
 * - per account: a refusal is silent (no mail, the same page), so whether an
 *   account exists stays hidden, and nobody can flood a mailbox.
 * A limit of 0 is off.
 */
export interface MailThrottle {
  byIp(ip: string): Promise<ThrottleVerdict>;
  byAccount(userId: string): Promise<ThrottleVerdict>;
}

export interface MailThrottleOptions {
  redis: RedisClient | undefined;
  keyPrefix: string;
  perIp: number;
  perAccount: number;
  windowSeconds: number;
}

async function take(limiter: RateLimiterAbstract | undefined, key: string): Promise<ThrottleVerdict> {
  if (!limiter) return { allowed: true };
  try {
    await limiter.consume(key);
    return { allowed: true };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    throw rejection;
  }
}

// Keys never carry an address or an id in the clear.
const hashed = (value: string) => createHash('sha256').update(value).digest('base64url');

export function createMailThrottle(options: MailThrottleOptions): MailThrottle {
  const make = (name: string, points: number) => (points > 0
    ? createLimiter(options.redis, { keyPrefix: `${options.keyPrefix}rl:mail:${name}:`, points, durationSeconds: options.windowSeconds })
    : undefined);
  const perIp = make('ip', options.perIp);
  const perAccount = make('account', options.perAccount);
  return {
    byIp: (ip) => take(perIp, hashed(ip)),
    byAccount: (userId) => take(perAccount, hashed(userId)),
  };
}
