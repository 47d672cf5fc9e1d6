import { sql } from 'kysely';
import pg from 'pg';
import * as notifyAccounts from '../../migrations/2026_12_24_000100_notify_account_changes.js';
import * as consumedIndexes from '../../migrations/2026_12_24_000200_index_consumed_rows.js';
import * as clientRowIndexes from '../../migrations/2026_12_24_000300_index_client_rows_by_id.js';
import { MODEL_TABLES } from '../../src/db/schema.js';
import { TEST_DATABASE_URL } from '../support/test-env.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';

// Issue 17's migrations, up and down: the account change notifications, the
// partial consumed_at indexes and the (client_id, id) indexes.
describe('scale migrations', () => {
  let stores: TestStores;
  beforeAll(async () => { stores = await createTestStores('scale_migrations', 'postgres'); });
  afterAll(async () => { await stores.cleanup(); });

  const indexes = async () => (await sql<{ indexname: string }>`
    select indexname from pg_indexes where schemaname = ${stores.config.database.schema}`.execute(stores.handle.db)).rows.map((row) => row.indexname);
  const triggers = async () => (await sql<{ tgname: string }>`
    select t.tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${stores.config.database.schema} and c.relname = 'users' and not t.tgisinternal`.execute(stores.handle.db)).rows.map((row) => row.tgname);
  const tables = Object.values(MODEL_TABLES);

  it('builds the indexes and the users trigger, and takes them down again', async () => {
    let present = await indexes();
    for (const table of tables) {
      expect(present).toEqual(expect.arrayContaining([`${table}_consumed_at_idx`, `${table}_client_id_id_idx`]));
      expect(present).not.toContain(`${table}_client_id_idx`);
    }
    expect(await triggers()).toEqual(expect.arrayContaining(['users_notify_change', 'users_notify_truncate']));

    await clientRowIndexes.down(stores.handle.db);
    await consumedIndexes.down(stores.handle.db);
    await notifyAccounts.down(stores.handle.db);
    present = await indexes();
    for (const table of tables) {
      expect(present).toContain(`${table}_client_id_idx`);
      expect(present).not.toContain(`${table}_client_id_id_idx`);
      expect(present).not.toContain(`${table}_consumed_at_idx`);
    }
    expect(await triggers()).toEqual([]);

    await notifyAccounts.up(stores.handle.db);
    await consumedIndexes.up(stores.handle.db);
    await clientRowIndexes.up(stores.handle.db);
    expect((await indexes()).filter((name) => name.endsWith('_consumed_at_idx') || name.endsWith('_client_id_id_idx'))).toHaveLength(tables.length * 2);
  });

  it('announces a changed user on oidc_account_changed as <schema>:<id>', async () => {
    await stores.handle.db.insertInto('users').values({ id: 'notify-user', username: 'notify-user', password_hash: 'x' }).execute();
    const listener = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await listener.connect();
    try {
      await listener.query('listen oidc_account_changed');
      // One channel for every schema of the database: other test files' changes are heard too.
      const heard = new Promise<string | undefined>((resolve) => {
        listener.on('notification', (message) => { if (message.payload?.startsWith(`${stores.config.database.schema}:`)) resolve(message.payload); });
      });
      await stores.handle.db.updateTable('users').set({ name: 'Changed' }).where('id', '=', 'notify-user').execute();
      expect(await heard).toBe(`${stores.config.database.schema}:notify-user`);
    } finally {
      await listener.end();
    }
  });
});
