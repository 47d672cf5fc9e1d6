/**
 * `npx tsx bench/run-scale.ts`: what grows with the data (issue 17, "At
 * scale"), on a fresh schema seeded with BENCH_SCALE_ROWS rows per table
 * (default 1,000,000; generate_series, one statement per table) and dropped
 * afterwards: a cleanup batch that finds nothing (before: one OR statement
 * without a consumed_at index; now: one statement per condition through an
 * index), a cleanup run that deletes, revoking a client that holds every row
 * (before: one statement; now: refused by one UPDATE, rows in batches), and
 * audit retention. Writes bench/reports/scale-<time>.json.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/load-config.js';
import { createDb } from '../src/db/create-db.js';
import { migrateToLatest, withDdlLock } from '../src/db/migrate.js';
import { machine, writeReport } from './bench-report.js';
import { benchDatabaseUrl } from './prepare-stores.js';
import { auditRetention, cleanupDeleting, cleanupNoOp, revokeBusyClient, seedAudit, seedTokens, type StepResult } from './scale-steps.js';
import { REPO_ROOT } from './server-process.js';

const rows = Math.max(1000, Math.floor(Number(process.env.BENCH_SCALE_ROWS ?? 1_000_000)));

async function main(): Promise<void> {
  const schema = `bench_scale_${randomBytes(4).toString('hex')}`;
  const config = loadConfig({ DATABASE_URL: benchDatabaseUrl(), DATABASE_SCHEMA: schema, DATABASE_STATEMENT_TIMEOUT_MS: '0' });
  const handle = await createDb(config);
  const startedAt = new Date();
  const results: Record<string, StepResult> = {};
  const step = async (name: string, run: () => Promise<StepResult>) => {
    results[name] = await run();
    console.log(`${name.padEnd(22)} ${JSON.stringify(results[name])}`);
  };
  try {
    await migrateToLatest(handle.db, schema);
    const { db } = handle;
    for (const clientId of ['scale-client', 'busy-client']) {
      await db.insertInto('clients').values({ client_id: clientId, metadata: JSON.stringify({}), secret_hash: null, source: 'cli' }).execute();
    }
    console.log(`scale bench: ${rows.toLocaleString('en')} rows per table, schema ${schema}`);
    await step('seed refresh tokens', async () => ({ ms: await seedTokens(db, 'oidc_refresh_tokens', rows, 'scale-client') }));
    await step('cleanup, nothing to do', () => cleanupNoOp(db, 'oidc_refresh_tokens', schema));
    await step('cleanup, deleting', () => cleanupDeleting(db, 'oidc_refresh_tokens'));
    await step('seed access tokens', async () => ({ ms: await seedTokens(db, 'oidc_access_tokens', rows, 'busy-client') }));
    await step('revoke a busy client', () => revokeBusyClient(db, 'busy-client'));
    await step('seed audit events', async () => ({ ms: await seedAudit(db, rows) }));
    await step('audit retention', () => auditRetention(db));
  } finally {
    await withDdlLock(handle.db, (connection) => sql`drop schema if exists ${sql.id(schema)} cascade`.execute(connection));
    await handle.close();
  }
  const file = await writeReport(path.join(REPO_ROOT, 'bench', 'reports'), `scale-${startedAt.toISOString().replace(/[:.]/g, '-')}`, {
    startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine: machine(), rowsPerTable: rows, results,
  });
  console.log(`report: ${path.relative(REPO_ROOT, file)}`);
}

main().catch((err: unknown) => {
  console.error('scale bench failed:', err);
  process.exit(1);
});
