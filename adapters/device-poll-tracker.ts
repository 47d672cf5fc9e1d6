import type { RedisClient } from '../src/redis/redis-client.js';
import type { Kysely } from 'kysely';
import type { Database } from '../src/db/schema.js';
import { createKyselyDevicePollTracker } from './kysely-device-poll-tracker.js';
import { createRedisDevicePollTracker } from './redis-device-poll-tracker.js';
import type { DevicePollTracker } from './adapter-types.js';

export type { DevicePollTracker, PollResult } from './adapter-types.js';

export type DevicePollTrackerDeps =
  | { redis: RedisClient; keyPrefix: string }
  | { db: Kysely<Database> };

/** Polls are tracked where device codes are stored: Redis when configured, else SQL. */
export function createDevicePollTracker(deps: DevicePollTrackerDeps): DevicePollTracker {
  return 'redis' in deps ? createRedisDevicePollTracker(deps.redis, deps.keyPrefix) : createKyselyDevicePollTracker(deps.db);
}
