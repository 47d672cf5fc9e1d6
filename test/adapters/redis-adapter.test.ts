import type { Redis } from 'ioredis';
import { storageId, userCodeDigest } from '../../adapters/storage-id.js';
import { createRedisAdapterFactory } from '../../adapters/redis-adapter.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { describeAdapterContract } from './adapter-contract.js';
import { createRedisHarness } from './redis-harness.js';

let stores: TestStores;
let redis: Redis;
let prefix: string;

beforeAll(async () => {
  stores = await createTestStores('redis-adapter', 'postgres+redis');
  redis = stores.redis as Redis;
  prefix = stores.config.redis.keyPrefix;
});

afterAll(async () => {
  await stores.cleanup();
});

describeAdapterContract('Redis', () => createRedisHarness(redis, prefix));

describe('Redis adapter layout', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it('keeps the grant set alive as long as its longest-lived member', async () => {
    const adapters = createRedisAdapterFactory(redis, prefix);
    const grantId = `grant-${Date.now()}`;
    await adapters('AccessToken').upsert('at-long', { jti: 'at-long', grantId, iat: now(), exp: now() + 3600 }, 3600);
    await adapters('AuthorizationCode').upsert('ac-short', { jti: 'ac-short', grantId, iat: now(), exp: now() + 60 }, 60);
    const ttl = await redis.pttl(`${prefix}grant:{${grantId}}`);
    expect(ttl).toBeGreaterThan(3590_000);
    expect(await redis.smembers(`${prefix}grant:{${grantId}}`)).toHaveLength(2);
  });

  it('indexes a digest of the user code by storage id, never by the raw device code', async () => {
    const adapters = createRedisAdapterFactory(redis, prefix);
    await adapters('DeviceCode').upsert('dc-raw-value', { jti: 'dc-raw-value', userCode: 'ABCDEFGH', iat: now(), exp: now() + 600 }, 600);
    expect(await redis.exists(`${prefix}userCode:ABCDEFGH`)).toBe(0);
    const indexed = await redis.get(`${prefix}userCode:${userCodeDigest('ABCDEFGH')}`);
    expect(indexed).toBe(storageId('DeviceCode', 'dc-raw-value'));
    expect(await redis.exists(`${prefix}DeviceCode:${indexed}`)).toBe(1);
  });
});
