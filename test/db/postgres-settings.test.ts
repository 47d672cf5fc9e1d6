import { sql } from 'kysely';
import { loadConfig } from '../../src/config/load-config.js';
import { createDb, type DatabaseHandle } from '../../src/db/create-db.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';

describe('Postgres pool size and statement timeout from the environment', () => {
  let stores: TestStores;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    // Migrated with the default timeout (the migration lock may wait on other test files).
    stores = await createTestStores('pg_settings', 'postgres');
    handle = await createDb(loadConfig({ ...stores.env, DATABASE_POOL_SIZE: '3', DATABASE_STATEMENT_TIMEOUT_MS: '300' }));
  });
  afterAll(async () => {
    await handle.close();
    await stores.cleanup();
  });

  it('applies DATABASE_STATEMENT_TIMEOUT_MS to every connection and cancels a longer statement', async () => {
    const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(handle.db);
    expect(rows[0].statement_timeout).toBe('300ms');
    await expect(sql`select pg_sleep(2)`.execute(handle.db)).rejects.toMatchObject({ code: '57014' });
  });

  it('never opens more than DATABASE_POOL_SIZE connections; further queries wait (and poolStats shows it)', async () => {
    const queries = Array.from({ length: 8 }, () => sql`select pg_sleep(0.1)`.execute(handle.db));
    const during = handle.poolStats();
    await Promise.all(queries);
    expect(during.total).toBeLessThanOrEqual(3);
    expect(during.waiting).toBeGreaterThanOrEqual(5);
    expect(handle.poolStats().total).toBeLessThanOrEqual(3);
  });
});
