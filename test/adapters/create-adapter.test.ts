import type { Redis } from 'ioredis';
import { createAdapterFactory } from '../../adapters/create-adapter.js';
import { storageId } from '../../adapters/storage-id.js';
import { storeFor } from '../../adapters/store-routing.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { plainTextCodec } from './sql-harness.js';

let stores: TestStores;

beforeAll(async () => {
  stores = await createTestStores('create-adapter', 'postgres+redis');
});

afterAll(async () => {
  await stores.cleanup();
});

describe('store routing', () => {
  it('follows the DESIGN storage split, everything in SQL without Redis', () => {
    for (const model of ['Client', 'Grant', 'Session', 'AccessToken', 'RefreshToken', 'ClientCredentials', 'RegistrationAccessToken', 'InitialAccessToken']) {
      expect(storeFor(model, true)).toBe('sql');
    }
    for (const model of ['AuthorizationCode', 'DeviceCode', 'Interaction', 'PushedAuthorizationRequest', 'ReplayDetection', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']) {
      expect(storeFor(model, true)).toBe('redis');
      expect(storeFor(model, false)).toBe('sql');
    }
  });

  it('refuses a model it does not know', () => {
    expect(() => storeFor('Unheard', true)).toThrow(/no storage route for oidc-provider model "Unheard"/);
    expect(() => storeFor('toString', true)).toThrow(/no storage route/);
  });
});

describe('createAdapterFactory', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it('puts each model in its store and reuses one adapter per model', async () => {
    const redis = stores.redis as Redis;
    const keyPrefix = stores.config.redis.keyPrefix;
    const adapter = createAdapterFactory({ db: stores.handle.db, redis, keyPrefix, secrets: plainTextCodec });
    expect(adapter('Interaction')).toBe(adapter('Interaction'));

    await adapter('Interaction').upsert('int-1', { jti: 'int-1', kind: 'Interaction', iat: now(), exp: now() + 60 }, 60);
    expect(await redis.exists(`${keyPrefix}Interaction:${storageId('Interaction', 'int-1')}`)).toBe(1);

    await adapter('Grant').upsert('grant-1', { jti: 'grant-1', kind: 'Grant', iat: now(), exp: now() + 60 }, 60);
    expect(await stores.handle.db.selectFrom('oidc_grants').select('id').where('id', '=', 'grant-1').executeTakeFirst()).toEqual({ id: 'grant-1' });
  });

  it('keeps short-lived models in SQL without Redis, and names a model it has no table for', async () => {
    const adapter = createAdapterFactory({ db: stores.handle.db, redis: undefined, keyPrefix: 'unused:', secrets: plainTextCodec });
    await adapter('Interaction').upsert('int-2', { jti: 'int-2', kind: 'Interaction', iat: now(), exp: now() + 60 }, 60);
    const id = storageId('Interaction', 'int-2');
    expect(await stores.handle.db.selectFrom('oidc_interactions').select('id').where('id', '=', id).executeTakeFirst()).toEqual({ id });
    expect(() => adapter('InitialAccessToken')).toThrow(/no SQL table for oidc-provider model "InitialAccessToken"/);
  });
});
