import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AlreadyConsumedError } from '../../adapters/already-consumed-error.js';
import type { AdapterFactory, AdapterPayload } from '../../adapters/adapter-types.js';
import { createKyselyAdapterFactory } from '../../adapters/kysely-adapter.js';
import { createRedisAdapterFactory } from '../../adapters/redis-adapter.js';
import { clientReuseLeeway, type ReuseLeeway } from '../../adapters/refresh-reuse-leeway.js';
import { createTestStores, type StoreKind, type TestStores } from '../support/test-stores.js';
import { ACCOUNT_ID, CLIENT_ID } from './adapter-contract.js';
import { plainTextCodec, seedContractParties } from './sql-harness.js';

const LEEWAY = 30;
const now = () => Math.floor(Date.now() / 1000);
const newId = () => randomBytes(16).toString('base64url');
const refreshToken = (jti: string, extra: Partial<AdapterPayload> = {}): AdapterPayload => ({
  iat: now(), exp: now() + 600, jti, kind: 'RefreshToken', clientId: CLIENT_ID, accountId: ACCOUNT_ID, grantId: `grant-${jti}`, scope: 'openid', ...extra,
});

/**
 * The adapter half of a client's refresh-token reuse leeway: stored with the
 * token when it is saved, it makes a token consumed less than that long ago
 * read as unconsumed and consumable again, atomically; older, or without a
 * leeway, consumed stays consumed. Consumption "long ago" is written as a
 * past `consumed` time, never waited for.
 */
describe.each<[string, StoreKind]>([['Postgres', 'postgres'], ['PGlite', 'pglite'], ['Redis', 'postgres+redis']])('%s refresh token reuse leeway', (_label, kind) => {
  let stores: TestStores;
  let factory: (leeway: ReuseLeeway) => AdapterFactory;

  beforeAll(async () => {
    stores = await createTestStores(`reuse_leeway_${kind}`, kind);
    if (kind === 'postgres+redis') {
      factory = (leeway) => createRedisAdapterFactory(stores.redis as Redis, stores.config.redis.keyPrefix, leeway);
    } else {
      await seedContractParties(stores.handle.db);
      factory = (leeway) => createKyselyAdapterFactory(stores.handle.db, plainTextCodec, undefined, undefined, leeway);
    }
  });
  afterAll(async () => { await stores.cleanup(); });

  const lenient = () => factory((model) => (model === 'RefreshToken' ? LEEWAY : 0))('RefreshToken');
  const strict = () => factory(() => 0)('RefreshToken');

  it('lets a token consumed within the leeway be found unconsumed and consumed again', async () => {
    const id = newId();
    const payload = refreshToken(id);
    await lenient().upsert(id, payload, 600);
    await lenient().consume(id);
    expect(await lenient().find(id)).toEqual(payload);
    await expect(lenient().consume(id)).resolves.toBeUndefined();
  });

  it('keeps a token consumed longer ago than the leeway consumed', async () => {
    const id = newId();
    const consumed = now() - LEEWAY - 5;
    await lenient().upsert(id, refreshToken(id, { consumed }), 600);
    expect((await lenient().find(id))?.consumed).toBe(consumed);
    const error = await lenient().consume(id).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AlreadyConsumedError);
    expect(error).toMatchObject({ grantId: `grant-${id}` });
  });

  it('without a leeway, a token consumed a moment ago is consumed', async () => {
    const id = newId();
    await strict().upsert(id, refreshToken(id), 600);
    await strict().consume(id);
    expect((await strict().find(id))?.consumed).toEqual(expect.any(Number));
    await expect(strict().consume(id)).rejects.toBeInstanceOf(AlreadyConsumedError);
  });

  it('lets every one of 10 concurrent consumes through within the leeway, and exactly one without', async () => {
    const [withLeeway, without] = [newId(), newId()];
    await lenient().upsert(withLeeway, refreshToken(withLeeway), 600);
    await strict().upsert(without, refreshToken(without), 600);
    const lenientResults = await Promise.allSettled(Array.from({ length: 10 }, () => lenient().consume(withLeeway)));
    const strictResults = await Promise.allSettled(Array.from({ length: 10 }, () => strict().consume(without)));
    expect(lenientResults.filter((result) => result.status === 'fulfilled')).toHaveLength(10);
    expect(strictResults.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('gives the leeway to refresh tokens only', async () => {
    const id = newId();
    const code = { ...refreshToken(id), kind: 'AuthorizationCode' };
    const adapter = factory((model) => (model === 'RefreshToken' ? LEEWAY : 0))('AuthorizationCode');
    await adapter.upsert(id, code, 600);
    await adapter.consume(id);
    await expect(adapter.consume(id)).rejects.toBeInstanceOf(AlreadyConsumedError);
  });
});

describe("the issuing client's leeway", () => {
  const leewayOf = (client: object | undefined) => clientReuseLeeway(() => ({ oidc: { client } }));

  it('is read from the client of the request being served, for refresh tokens only, 0 to 60 s', () => {
    expect(leewayOf({ refresh_reuse_leeway: 20 })('RefreshToken', {})).toBe(20);
    expect(leewayOf({ refresh_reuse_leeway: 20 })('AccessToken', {})).toBe(0);
    expect(leewayOf({ refresh_reuse_leeway: 600 })('RefreshToken', {})).toBe(60);
    expect(leewayOf({ refresh_reuse_leeway: '20' })('RefreshToken', {})).toBe(0);
    expect(leewayOf({})('RefreshToken', {})).toBe(0);
    expect(leewayOf(undefined)('RefreshToken', {})).toBe(0);
    expect(clientReuseLeeway(() => undefined)('RefreshToken', {})).toBe(0);
  });
});
