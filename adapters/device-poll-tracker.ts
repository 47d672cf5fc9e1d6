import type { RedisClient } from '../src/redis/redis-client.js';
import type { Kysely } from 'kysely';
import type { Database } from '../src/db/schema.js';
import { createKyselyDevicePollTracker } from './kysely-device-poll-tracker.js';
import { createRedisDevicePollTracker } from './redis-device-poll-tracker.js';

export interface PollResult {
  /** The poll came sooner than `interval` after the previous one: answer slow_down. */
  slowDown: boolean;
  /** Seconds the device must now wait between polls. */
  interval: number;
}

/**
 * RFC 8628 §3.5: a device polling faster than its interval gets slow_down,
 * and its interval grows by 5 seconds "for all subsequent requests".
 * oidc-provider keeps no polling state, so it lives beside the device code,
 * keyed by the same storage id (SHA-256 of the device code). Always the
 * hash of what was polled with: a device-code handle (hashed-id.ts) names no
 * poll state, so it cannot slow the real device down.
 */
export interface DevicePollTracker {
  record(deviceCode: string, baseIntervalSeconds: number, ttlSeconds: number, nowMs?: number): Promise<PollResult>;
}

export type DevicePollTrackerDeps =
  | { redis: RedisClient; keyPrefix: string }
  | { db: Kysely<Database> };

/** Polls are tracked where device codes are stored: Redis when configured, else SQL. */
export function createDevicePollTracker(deps: DevicePollTrackerDeps): DevicePollTracker {
  return 'redis' in deps ? createRedisDevicePollTracker(deps.redis, deps.keyPrefix) : createKyselyDevicePollTracker(deps.db);
}
