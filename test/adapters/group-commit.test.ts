import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { createKyselyAdapterFactory } from '../../adapters/kysely-adapter.js';
import { storageId } from '../../adapters/storage-id.js';
import type { Database } from '../../src/db/schema.js';
import { TEST_DATABASE_URL } from '../support/test-env.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { CLIENT_ID } from './adapter-contract.js';
import { plainTextCodec, seedContractParties } from './sql-harness.js';

// Group commit of token saves (adapters/group-commit.ts), through the SQL
// adapter against real Postgres. Statements are counted with Kysely's query
// log: concurrent saves issued in one turn of the event loop must leave in
// fewer statements than rows, each caller must see its own row committed when
// its promise resolves, and one bad row must fail only its own caller.
describe('group commit of concurrent token saves', () => {
  let stores: TestStores;
  let db: Kysely<Database>;
  const inserts: number[] = [];
  const updates: string[] = [];

  beforeAll(async () => {
    stores = await createTestStores('group-commit', 'postgres');
    await seedContractParties(stores.handle.db);
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 4, options: `-c search_path=${stores.config.database.schema}` });
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event: LogEvent) => {
        if (event.level === 'query' && /^insert into "oidc_client_credentials"/.test(event.query.sql)) inserts.push(event.query.parameters.length);
        if (event.level === 'query' && /^\s*update "?oidc_refresh_tokens/.test(event.query.sql)) updates.push(event.query.sql);
      },
    });
  });
  afterAll(async () => {
    await db.destroy();
    await stores.cleanup();
  });

  const payload = (i: number, clientId = CLIENT_ID) => ({ jti: `cc-${i}`, kind: 'ClientCredentials', clientId, scope: 'api', exp: Math.floor(Date.now() / 1000) + 3600 });

  it('saves 20 concurrent tokens in fewer statements than rows, each committed when its save resolves', async () => {
    const adapter = createKyselyAdapterFactory(db, plainTextCodec)('ClientCredentials');
    inserts.length = 0;
    const committed = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      await adapter.upsert(`group-${i}`, payload(i), 3600);
      // Read on another connection (the test's own pool): visible once the save resolved.
      const row = await stores.handle.db.selectFrom('oidc_client_credentials').select('id')
        .where('id', '=', storageId('ClientCredentials', `group-${i}`)).executeTakeFirst();
      return row !== undefined;
    }));
    expect(committed).toEqual(Array.from({ length: 20 }, () => true));
    expect(inserts.length).toBeGreaterThanOrEqual(1);
    expect(inserts.length).toBeLessThan(20);
    expect(inserts.some((parameters) => parameters > 9)).toBe(true);
    for (let i = 0; i < 20; i += 1) expect(await adapter.find(`group-${i}`)).toMatchObject({ clientId: CLIENT_ID, jti: `group-${i}` });
  });

  it('fails only the caller whose row breaks a constraint; its neighbours are saved', async () => {
    const adapter = createKyselyAdapterFactory(db, plainTextCodec)('ClientCredentials');
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) =>
      adapter.upsert(`mixed-${i}`, payload(i, i === 5 ? 'no-such-client' : CLIENT_ID), 3600)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    for (let i = 0; i < 8; i += 1) expect(Boolean(await adapter.find(`mixed-${i}`))).toBe(i !== 5);
  });

  it('consumes of concurrent requests share statements, and of one id exactly one wins', async () => {
    const adapter = createKyselyAdapterFactory(db, plainTextCodec)('RefreshToken');
    const refresh = (i: number) => ({ jti: `rt-${i}`, kind: 'RefreshToken', clientId: CLIENT_ID, grantId: `g-${i}`, exp: Math.floor(Date.now() / 1000) + 3600 });
    for (let i = 0; i < 10; i += 1) await adapter.upsert(`rt-${i}`, refresh(i), 3600);
    updates.length = 0;
    const first = adapter.consume('rt-0');
    // Issued on a later turn of the event loop, while the first consume is in flight.
    await new Promise((resolve) => { setImmediate(resolve); });
    const outcomes = await Promise.allSettled([first, ...Array.from({ length: 9 }, (_, i) => adapter.consume(`rt-${i + 1}`))]);
    expect(outcomes.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(2);
    for (let i = 0; i < 10; i += 1) expect((await adapter.find(`rt-${i}`))?.consumed).toEqual(expect.any(Number));

    await adapter.upsert('rt-race', refresh(99), 3600);
    const race = await Promise.allSettled(Array.from({ length: 6 }, () => adapter.consume('rt-race')));
    expect(race.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(race.filter((outcome) => outcome.status === 'rejected')).toHaveLength(5);
  });

  it('keeps two saves of one id apart: the later one wins, as without grouping', async () => {
    const adapter = createKyselyAdapterFactory(db, plainTextCodec)('ClientCredentials');
    await Promise.all([
      adapter.upsert('twice', { ...payload(1), scope: 'first' }, 3600),
      adapter.upsert('twice', { ...payload(1), scope: 'second' }, 3600),
    ]);
    expect(await adapter.find('twice')).toMatchObject({ scope: 'second' });
  });
});
