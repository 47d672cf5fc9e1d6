import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/load-config.js';
import type { RedisClient } from './redis-client.js';

export type { RedisClient };

// Fail requests fast while Redis is down instead of queueing them forever;
// ioredis keeps reconnecting in the background.
// Auto-pipelining sends every command issued in one event-loop turn as one
// write, so concurrent requests share round trips.
const COMMON: RedisOptions = { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false, enableAutoPipelining: true };

/**
 * ioredis for the configured topology (REDIS_URL, REDIS_SENTINELS +
 * REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES; load-config allows one), or
 * undefined when Redis is not configured.
 */
export function createRedis(config: Config): RedisClient | undefined {
  const topology = config.operations.redisTopology;
  let client: RedisClient;
  switch (topology.kind) {
    case 'none':
      return undefined;
    case 'single':
      client = new Redis(topology.url, COMMON);
      break;
    case 'sentinel':
      // ioredis asks the sentinels for the current primary and follows failovers.
      client = new Redis({
        ...COMMON,
        sentinels: topology.sentinels.map(({ host, port }) => ({ host, port })),
        name: topology.name,
        username: topology.username,
        password: topology.password,
      });
      break;
    case 'cluster':
      // Seed nodes only; ioredis discovers the rest and follows MOVED/ASK redirects.
      client = new Cluster(topology.nodes.map(({ host, port }) => ({ host, port })), {
        enableOfflineQueue: true,
        enableAutoPipelining: true,
        redisOptions: { maxRetriesPerRequest: 2, username: topology.username, password: topology.password },
      });
      break;
  }
  // A dropped connection must not crash the process; commands fail and retry.
  client.on('error', () => {});
  return client;
}
