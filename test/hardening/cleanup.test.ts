import { sql } from 'kysely';
import { MODEL_TABLES, type ModelTableName } from '../../src/db/schema.js';
import { runCleanup } from '../../src/jobs/cleanup.js';
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

const countRows = async (stores: TestStores, table: ModelTableName) =>
  Number((await stores.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

describe('cleanup of expired and consumed rows', () => {
  let stores: TestStores;
  beforeAll(async () => { stores = await createTestStores('cleanup', 'postgres'); });
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

  it('is safe to run twice at once: every row is deleted exactly once and the counts add up', async () => {
    await seed(stores, 'oidc_access_tokens', 'race-at', 1500, 'expired');
    await seed(stores, 'oidc_authorization_codes', 'race-ac', 700, 'expired');
    const [a, b] = await Promise.all([
      runCleanup(stores.handle.db, { batchSize: 50 }),
      runCleanup(stores.handle.db, { batchSize: 50 }),
    ]);
    expect(a.oidc_access_tokens + b.oidc_access_tokens).toBe(1500);
    expect(a.oidc_authorization_codes + b.oidc_authorization_codes).toBe(700);
    expect(await countRows(stores, 'oidc_access_tokens')).toBe(4);
    expect(await countRows(stores, 'oidc_authorization_codes')).toBe(0);
  });

  it('runs as `cli cleanup` and prints the counts', async () => {
    await seed(stores, 'oidc_sessions', 'cli', 5, 'expired');
    const { stdout } = await runCli(stores, ['cleanup']);
    expect(stdout).toMatch(/^oidc_sessions\t5$/m);
    expect(stdout).toMatch(/^total\t5$/m);
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
