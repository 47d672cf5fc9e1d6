import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createDevicePollTracker, type DevicePollTracker } from '../../adapters/device-poll-tracker.js';
import { deviceCodeHandle, hashId, storageId } from '../../adapters/storage-id.js';
import { createKyselyAdapterFactory } from '../../adapters/kysely-adapter.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { plainTextCodec } from './sql-harness.js';

let stores: TestStores;

beforeAll(async () => {
  stores = await createTestStores('device-poll-tracker', 'postgres+redis');
});

afterAll(async () => {
  await stores.cleanup();
});

const BASE = 5;
const T0 = 1_800_000_000_000;

/** A device code the tracker can see: a row in SQL, nothing needed in Redis. */
type NewCode = () => Promise<string>;

function describeTracker(storeName: string, tracker: () => DevicePollTracker, newCode: NewCode): void {
  describe(`${storeName} device poll tracker (RFC 8628 §3.5)`, () => {
    it('answers slow_down to an early poll and adds 5 seconds for every later poll', async () => {
      const code = await newCode();
      expect(await tracker().record(code, BASE, 600, T0)).toEqual({ slowDown: false, interval: 5 });
      expect(await tracker().record(code, BASE, 600, T0 + 2_000)).toEqual({ slowDown: true, interval: 10 });
      // 6 s later is on time for the old interval, early for the new one.
      expect(await tracker().record(code, BASE, 600, T0 + 8_000)).toEqual({ slowDown: true, interval: 15 });
      expect(await tracker().record(code, BASE, 600, T0 + 23_000)).toEqual({ slowDown: false, interval: 15 });
      expect(await tracker().record(code, BASE, 600, T0 + 38_000)).toEqual({ slowDown: false, interval: 15 });
    });

    it('keeps device codes apart', async () => {
      const [a, b] = [await newCode(), await newCode()];
      await tracker().record(a, BASE, 600, T0);
      expect(await tracker().record(b, BASE, 600, T0 + 1_000)).toEqual({ slowDown: false, interval: 5 });
    });

    it('lets only one of 10 simultaneous polls through', async () => {
      const code = await newCode();
      const results = await Promise.all(Array.from({ length: 10 }, () => tracker().record(code, BASE, 600, T0)));
      expect(results.filter((r) => !r.slowDown)).toHaveLength(1);
      expect(Math.max(...results.map((r) => r.interval))).toBe(BASE + 9 * 5);
    });
  });
}

describeTracker(
  'Redis',
  () => createDevicePollTracker({ redis: stores.redis as Redis, keyPrefix: stores.config.redis.keyPrefix }),
  async () => randomBytes(16).toString('base64url'),
);

describeTracker(
  'SQL',
  () => createDevicePollTracker({ db: stores.handle.db }),
  async () => {
    const code = randomBytes(16).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    await createKyselyAdapterFactory(stores.handle.db, plainTextCodec)('DeviceCode')
      .upsert(code, { jti: code, kind: 'DeviceCode', userCode: randomBytes(4).toString('hex'), iat: now, exp: now + 600 }, 600);
    return code;
  },
);

describe('device poll state storage', () => {
  it('expires the Redis poll state with the device code, under its storage id', async () => {
    const redis = stores.redis as Redis;
    const code = randomBytes(16).toString('base64url');
    await createDevicePollTracker({ redis, keyPrefix: stores.config.redis.keyPrefix }).record(code, BASE, 90);
    const ttl = await redis.pttl(`${stores.config.redis.keyPrefix}DeviceCode:poll:${hashId(code)}`);
    expect(ttl).toBeGreaterThan(85_000);
    expect(ttl).toBeLessThanOrEqual(90_000);
  });

  it('answers no slow_down for a device code SQL does not know', async () => {
    const tracker = createDevicePollTracker({ db: stores.handle.db });
    await tracker.record('unknown-code', BASE, 600, T0);
    expect(await tracker.record('unknown-code', BASE, 600, T0 + 1_000)).toEqual({ slowDown: false, interval: 5 });
  });

  it('keeps a device-code handle (the verification pages\' stand-in) away from the device\'s poll state', async () => {
    const code = randomBytes(16).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    await createKyselyAdapterFactory(stores.handle.db, plainTextCodec)('DeviceCode')
      .upsert(code, { jti: code, kind: 'DeviceCode', userCode: randomBytes(4).toString('hex'), iat: now, exp: now + 600 }, 600);
    const handle = deviceCodeHandle(storageId('DeviceCode', code));
    for (const tracker of [createDevicePollTracker({ db: stores.handle.db }), createDevicePollTracker({ redis: stores.redis as Redis, keyPrefix: stores.config.redis.keyPrefix })]) {
      await tracker.record(code, BASE, 600, T0);
      await tracker.record(handle, BASE, 600, T0 + 1_000);
      expect(await tracker.record(code, BASE, 600, T0 + 6_000)).toEqual({ slowDown: false, interval: 5 });
    }
  });

  it('survives a re-save of the device code (upsert leaves poll columns alone)', async () => {
    const { db } = stores.handle;
    const code = randomBytes(16).toString('base64url');
    const adapter = createKyselyAdapterFactory(db, plainTextCodec)('DeviceCode');
    const payload = { jti: code, kind: 'DeviceCode', userCode: randomBytes(4).toString('hex'), iat: 1, exp: 2 };
    await adapter.upsert(code, payload, 600);
    const tracker = createDevicePollTracker({ db });
    await tracker.record(code, BASE, 600, T0);
    await tracker.record(code, BASE, 600, T0 + 1_000);
    await adapter.upsert(code, { ...payload, inFlight: true }, 600);
    expect(await tracker.record(code, BASE, 600, T0 + 5_000)).toEqual({ slowDown: true, interval: 15 });
  });
});
