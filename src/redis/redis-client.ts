import type { Cluster, Redis } from 'ioredis';

/**
 * A connection to one Redis deployment: a single node or a Sentinel-managed
 * primary (both `Redis`), or a Redis Cluster. Both share ioredis' command API;
 * code that sends commands touching several keys at once must check
 * `isCluster`, because Cluster refuses a MULTI or pipeline spanning hash slots.
 */
export type RedisClient = Redis | Cluster;
