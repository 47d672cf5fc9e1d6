import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config/load-config.js';
import type { RedisClient } from '../redis/redis-client.js';
import { createLimiter } from '../redis/create-limiter.js';
import { createKnownBlocks } from './known-blocks.js';

/**
 * Failed client authentications (401 `invalid_client`, RFC 6749 §5.2, and a
 * refused registration token) are counted per address and per (client,
 * address) pair over RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS. A key that
 * reaches its threshold is blocked for RATE_LIMIT_AUTH_BLOCK_SECONDS: its
 * requests are refused before any secret is checked, so a correct secret is
 * refused too (no oracle), while the same client from another address goes on.
 *
 * Trade-off (DESIGN.md 5a, no Redis round trip for a successful request):
 * counters and blocks live in Redis, but the check before a request only
 * consults this instance's memory of blocks (known-blocks.ts). An instance
 * learns of a block when it sets one, or when one of its own requests fails
 * and the shared counter shows the key past its threshold; it then asks Redis
 * before each request from that key until the block ends. So a successful
 * request from an unblocked key touches no store, a refused one costs one
 * Redis read, and a key blocked elsewhere gets at most one more (failing or
 * not) secret check per instance before this instance refuses it too.
 */
export type FailureScope = 'ip' | 'client_ip';

export interface Refusal {
  scope: FailureScope;
  retryAfterSeconds: number;
}

export interface ClientAuthFailures {
  /** Before a request: refuses a key this instance knows to be blocked (confirmed in the store). */
  check(ip: string, clientId: string | undefined): Promise<Refusal | undefined>;
  /** After a failed authentication: counts it and blocks the keys past their threshold. */
  recordFailure(ip: string, clientId: string | undefined): Promise<void>;
}

interface Dimension {
  scope: FailureScope;
  threshold: number;
  failures: RateLimiterAbstract;
  blocks: RateLimiterAbstract;
}

function keyOf(scope: FailureScope, ip: string, clientId: string | undefined): string | undefined {
  if (scope === 'ip') return ip;
  // A space cannot appear in an address, so the pair key is unambiguous.
  return clientId ? `${clientId} ${ip}` : undefined;
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export function createClientAuthFailures(config: Config, redis: RedisClient | undefined): ClientAuthFailures {
  const { authFailuresPerIp, authFailuresPerClientAndIp, authFailureWindowSeconds, authBlockSeconds } = config.rateLimit;
  const prefix = `${config.redis.keyPrefix}rl:auth`;
  const dimension = (scope: FailureScope, threshold: number): Dimension => ({
    scope,
    threshold,
    failures: createLimiter(redis, { keyPrefix: `${prefix}:fail:${scope}`, points: 1_000_000, durationSeconds: authFailureWindowSeconds }),
    // A block is a key blocked for its duration (`block` stores points + 1 consumed).
    blocks: createLimiter(redis, { keyPrefix: `${prefix}:block:${scope}`, points: 1, durationSeconds: authBlockSeconds }),
  });
  const dimensions = [dimension('ip', authFailuresPerIp), dimension('client_ip', authFailuresPerClientAndIp)]
    .filter((entry) => entry.threshold > 0);
  const known = createKnownBlocks();

  /** Asks the store whether a key this instance believes blocked still is; the store wins. */
  async function confirm(entry: Dimension, key: string): Promise<Refusal | undefined> {
    const local = `${entry.scope}:${key}`;
    let res: RateLimiterRes | null;
    try {
      res = await entry.blocks.get(key);
    } catch {
      // Store unreachable: keep refusing what we know to be blocked.
      return { scope: entry.scope, retryAfterSeconds: seconds(known.remaining(local)) };
    }
    if (!res || res.consumedPoints <= 1 || res.msBeforeNext <= 0) {
      known.remove(local);
      return undefined;
    }
    known.add(local, res.msBeforeNext);
    return { scope: entry.scope, retryAfterSeconds: seconds(res.msBeforeNext) };
  }

  return {
    async check(ip, clientId) {
      const suspects = dimensions.flatMap((entry) => {
        const key = keyOf(entry.scope, ip, clientId);
        return key !== undefined && known.has(`${entry.scope}:${key}`) ? [{ entry, key }] : [];
      });
      if (suspects.length === 0) return undefined;
      const refusals = (await Promise.all(suspects.map(({ entry, key }) => confirm(entry, key))))
        .filter((refusal): refusal is Refusal => refusal !== undefined);
      return refusals.sort((a, b) => b.retryAfterSeconds - a.retryAfterSeconds)[0];
    },
    async recordFailure(ip, clientId) {
      await Promise.all(dimensions.map(async (entry) => {
        const key = keyOf(entry.scope, ip, clientId);
        if (key === undefined) return;
        const res = await entry.failures.consume(key).catch((err: unknown) => (err instanceof RateLimiterRes ? err : null));
        if (!res || res.consumedPoints < entry.threshold) return;
        // Past the threshold: (re)block in the store, where every instance can see it, and here.
        await entry.blocks.block(key, authBlockSeconds).catch(() => undefined);
        known.add(`${entry.scope}:${key}`, authBlockSeconds * 1000);
      }));
    },
  };
}
