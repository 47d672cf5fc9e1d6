import type { Redis } from 'ioredis';
import { storageId } from '../../adapters/storage-id.js';
import { createRedisAdapterFactory } from '../../adapters/redis-adapter.js';
import type { ContractHarness } from './adapter-contract.js';

async function keysWithPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** Every key under the prefix with its value, whatever its type. */
export async function dumpRedis(redis: Redis, prefix: string): Promise<string> {
  const entries = await Promise.all((await keysWithPrefix(redis, prefix)).map(async (key) => {
    const type = await redis.type(key);
    if (type === 'hash') return [key, await redis.hgetall(key)];
    if (type === 'set') return [key, await redis.smembers(key)];
    if (type === 'string') return [key, await redis.get(key)];
    return [key, type];
  }));
  return JSON.stringify(entries);
}

export function createRedisHarness(redis: Redis, prefix: string): ContractHarness {
  const entityKey = (model: string, id: string) => `${prefix}${model}:${storageId(model, id)}`;
  return {
    factory: createRedisAdapterFactory(redis, prefix),
    dump: () => dumpRedis(redis, prefix),
    async remainingTtl(model, id) {
      const ms = await redis.pttl(entityKey(model, id));
      return ms < 0 ? null : ms / 1000;
    },
    async expireNow(model, id) {
      // An expiry in the past deletes the key at once, as a lapsed TTL would.
      await redis.pexpireat(entityKey(model, id), Date.now() - 1000);
    },
  };
}
