import { Redis } from 'ioredis';
import type { Config } from '../config/load-config.js';

/** ioredis for REDIS_URL, or undefined when Redis is not configured. */
export function createRedis(config: Config): Redis | undefined {
  if (!config.redis.url) return undefined;
  const redis = new Redis(config.redis.url, {
    // Fail requests fast while Redis is down instead of queueing them forever;
    // ioredis keeps reconnecting in the background.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  redis.on('error', () => {});
  return redis;
}
