import { sql } from 'kysely';
import { createDb } from '../../src/db/create-db.js';
import { MODEL_TABLES, type ModelTableName } from '../../src/db/schema.js';
import { runCleanup, runCleanupJob } from '../../src/jobs/cleanup.js';
import { runCli } from '../support/run-cli.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { waitFor } from '../support/wait-for.js';

async function seed(stores: TestStores, table: ModelTableName, prefix: string, count: number, state: 'expired' | 'live' | 'consumed-old' | 'consumed-new') {
  const rows = Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    payload: JSON.stringify({ kind: 'test' }),
    expires_at: state === 'expired' ? sql<Date>`now() - interval '1 minute'` : sql<Date>`now() + interval '1 hour'`,
    consumed_at: state === 'consumed-old' ? sql<Date>`now() - interval '8 days'` : state === 'consumed-new' ? sql<Date>`now() - interval '1 minute'` : null,
  }));
  for (let i = 0; i < rows.length; i += 500) await stores.handle.db.insertInto(table).values(rows.slice(i, i + 500)).execute();
}

const countRows = async (stores: TestStores, table: ModelTableName | 'audit_events') =>
  Number((await stores.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

describe('cleanup of expired and consumed rows', () => {
  let stores: TestStores;
  // No statement timeout: one test holds a run inside a statement on purpose.
  beforeAll(async () => { stores = await createTestStores('cleanup', 'postgres', { DATABASE_STATEMENT_TIMEOUT_MS: '0' }); });
  afterAll(async () => { await stores.cleanup(); });

  it('deletes dead rows of every oidc_* table, keeps live and recently consumed ones, and reports counts per table', async () => {
    for (const table of Object.values(MODEL_TABLES)) await seed(stores, table, 'dead', 3, 'expired');
    await seed(stores, 'oidc_refresh_tokens', 'old', 2, 'consumed-old');
    await seed(stores, 'oidc_refresh_tokens', 'recent', 2, 'consumed-new');
    await seed(stores, 'oidc_access_tokens', 'live', 4, 'live');
    const counts = await runCleanup(stores.handle.db, { batchSize: 2 });
    for (const table of Object.values(MODEL_TABLES)) expect(counts[table]).toBe(table === 'oidc_refresh_tokens' ? 5 : 3);
    expect(await countRows(stores, 'oidc_access_tokens')).toBe(4);
    expect(await countRows(stores, 'oidc_refresh_tokens')).toBe(2); // consumed a minute ago: kept for reuse detection
  });

  it('finds consumed rows through a partial index on consumed_at in every model table', async () => {
    const { rows } = await sql<{ tablename: string; indexdef: string }>`
      select tablename, indexdef from pg_indexes where schemaname = ${stores.config.database.schema} and indexname like '%_consumed_at_idx'`.execute(stores.handle.db);
    expect(rows.map((row) => row.tablename).sort()).toEqual(Object.values(MODEL_TABLES).sort());
    for (const row of rows) expect(row.indexdef).toMatch(/WHERE \(consumed_at IS NOT NULL\)/);
  });

  it('runs once when two instances start it together: the second skips while the first holds the lock', async () => {
    await seed(stores, 'oidc_access_tokens', 'race-at', 1500, 'expired');
    await seed(stores, 'oidc_grants', 'race-gr', 700, 'expired');
    // Hold the first run inside its work: a lock on oidc_grants, which it reaches after the lock is taken.
    const blocker = await createDb(stores.config);
    try {
      const first = blocker.db.transaction().execute(async (trx) => {
        await sql`lock table oidc_grants in access exclusive mode`.execute(trx);
        const running = runCleanupJob(stores.handle.db, { batchSize: 100 });
        await waitFor('the first run to hold the cleanup lock', async () => {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and granted
            and classid = hashtext('oidc-server:cleanup')::oid and objid = hashtext(${stores.config.database.schema})::oid`.execute(trx);
          return rows[0]!.n === 1;
        });
        // Another instance (the CLI, its own process) starts it meanwhile.
        const second = await runCli(stores, ['cleanup']);
        return { running, second };
      });
      const { running, second } = await first;
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^skipped: another cleanup is running/m);
      const run = await running;
      expect(run.skipped).toBe(false);
      expect(run.counts.oidc_access_tokens).toBe(1500);
      expect(run.counts.oidc_grants).toBe(700);
    } finally {
      await blocker.close();
    }
    expect(await countRows(stores, 'oidc_access_tokens')).toBe(4);
    expect(await countRows(stores, 'oidc_grants')).toBe(0);
    // Released: the next run is not skipped.
    expect((await runCleanupJob(stores.handle.db)).skipped).toBe(false);
  });

  it('runs as `cli cleanup` and prints the counts', async () => {
    await seed(stores, 'oidc_sessions', 'cli', 5, 'expired');
    const { stdout } = await runCli(stores, ['cleanup']);
    expect(stdout).toMatch(/^oidc_sessions\t5$/m);
    expect(stdout).toMatch(/^total\t5$/m);
  });
});

describe('audit retention (AUDIT_RETENTION_DAYS)', () => {
  let stores: TestStores;
  beforeAll(async () => { stores = await createTestStores('audit_retention', 'postgres'); });
  afterAll(async () => { await stores.cleanup(); });

  const addEvents = async (prefix: string, count: number, age: string) => {
    await stores.handle.db.insertInto('audit_events').values(Array.from({ length: count }, (_, i) => ({
      event: 'login.success', actor: `${prefix}-${i}`, details: JSON.stringify({}), created_at: sql<Date>`now() - ${age}::interval`,
    }))).execute();
  };

  it('deletes only events older than the retention, in batches, and keeps every event with 0', async () => {
    await addEvents('old', 25, '100 days');
    await addEvents('edge', 3, '89 days');
    await addEvents('new', 4, '1 hour');
    const keep = await runCli({ env: { ...stores.env, AUDIT_RETENTION_DAYS: '0' } }, ['cleanup']);
    expect(keep.stdout).toMatch(/^audit_events\t0$/m);
    expect(await countRows(stores, 'audit_events')).toBe(32);
    const trimmed = await runCli(stores, ['cleanup', '--batch-size', '10']);
    expect(trimmed.stdout).toMatch(/^audit_events\t25$/m);
    const left = await stores.handle.db.selectFrom('audit_events').select('actor').execute();
    expect(left.map((row) => row.actor!.split('-')[0]).sort()).toEqual(['edge', 'edge', 'edge', 'new', 'new', 'new', 'new']);
    const shorter = await runCli({ env: { ...stores.env, AUDIT_RETENTION_DAYS: '30' } }, ['cleanup']);
    expect(shorter.stdout).toMatch(/^audit_events\t3$/m);
    expect(await countRows(stores, 'audit_events')).toBe(4);
  });
});

describe('cleanup inside the server (CLEANUP_INTERVAL_SECONDS)', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer('cleanup_interval', { env: { CLEANUP_INTERVAL_SECONDS: '1' } }); });
  afterAll(async () => { server.app.beginShutdown(); await server.close(); });

  it('removes expired rows on its own', async () => {
    await seed(server.stores, 'oidc_grants', 'interval', 3, 'expired');
    await waitFor('the interval job to remove the rows', async () => (await countRows(server.stores, 'oidc_grants')) === 0);
    expect(await countRows(server.stores, 'oidc_grants')).toBe(0);
  });
});
