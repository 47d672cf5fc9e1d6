import type { RedisClient } from '../src/redis/redis-client.js';
import type { DevicePollTracker } from './adapter-types.js';
import { hashId } from './storage-id.js';
import { withAdapterScripts } from './redis-scripts.js';

/**
 * One Lua script per poll (redis-scripts.ts RECORD_POLL) reads and writes the
 * last poll time and interval atomically, so concurrent polls of one device
 * code cannot both pass as "on time". The key expires with the device code.
 */
export function createRedisDevicePollTracker(redis: RedisClient, keyPrefix: string): DevicePollTracker {
  const scripts = withAdapterScripts(redis);
  return {
    async record(deviceCode, baseIntervalSeconds, ttlSeconds, nowMs = Date.now()) {
      const key = `${keyPrefix}DeviceCode:poll:${hashId(deviceCode)}`;
      const [slow, interval] = await scripts.oidcRecordPoll(key, nowMs, baseIntervalSeconds, Math.max(1, ttlSeconds));
      return { slowDown: slow === 1, interval };
    },
  };
}
