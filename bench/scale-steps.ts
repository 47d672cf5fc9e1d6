/**
 * The measured steps of `npx tsx bench/run-scale.ts`, each on a schema seeded
 * with `rows` rows (generate_series, in one statement per table): what the
 * cleanup, a busy client's revocation and the audit retention cost at scale,
 * old way against new way. Every step leaves the tables as it found them
 * (rolled back or re-seeded), so the steps are independent.
 */
import { performance } from 'node:perf_hooks';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { PAGES_PER_SWEEP, revokeClientEntities } from '../adapters/revoke-entities.js';
import type { Database } from '../src/db/schema.js';
import { runCleanupJob } from '../src/jobs/cleanup.js';
import { deleteDeadModelRows, deleteOldAuditEvents } from '../src/jobs/cleanup-repository.js';

type Db = Kysely<Database>;
export interface StepResult { [figure: string]: number | string | boolean }

const ms = (start: number) => Math.round((performance.now() - start) * 10) / 10;

/** Rows as the adapter stores them: hashed-looking ids, a JSON payload, one in ten consumed a day ago, all live. */
export async function seedTokens(db: Db, table: 'oidc_access_tokens' | 'oidc_refresh_tokens', rows: number, clientId: string): Promise<number> {
  const start = performance.now();
  await sql`insert into ${sql.table(table)} (id, grant_id, client_id, payload, expires_at, consumed_at)
    select md5(${table}::text || i::text), 'grant-' || (i % 50000), ${clientId}::text,
      jsonb_build_object('kind', 'AccessToken', 'clientId', ${clientId}::text, 'scope', 'openid api', 'iat', 1796000000, 'exp', 1799000000, 'grantId', 'grant-' || (i % 50000)),
      now() + interval '30 days', case when i % 10 = 0 then now() - interval '1 day' end
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`analyze ${sql.table(table)}`.execute(db);
  return ms(start);
}

export async function seedAudit(db: Db, rows: number): Promise<number> {
  const start = performance.now();
  // Half of them older than the 90-day retention, spread over two years.
  await sql`insert into audit_events (event, actor, client_id, ip, details, created_at)
    select 'login.success', 'user-' || (i % 1000), 'client-' || (i % 50), '127.0.0.1', '{"factor":"password"}'::jsonb,
      now() - (i % 730) * interval '1 day' * (case when i % 2 = 0 then 1 else 0.1 end)
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`analyze audit_events`.execute(db);
  return ms(start);
}

async function timed(db: Db, query: RawBuilder<unknown>): Promise<number> {
  const start = performance.now();
  await query.execute(db);
  return ms(start);
}

/** The batch statement before issue 17: one OR over both conditions, no index on consumed_at. */
const oldBatch = (table: string) => sql`delete from ${sql.table(table)} where id in (
  select id from ${sql.table(table)} where expires_at < now() or consumed_at < now() - 604800 * interval '1 second' limit 1000 for update skip locked)`;

/** A cleanup batch that finds nothing to delete (every row live, consumed rows within the retention), old and new. */
export async function cleanupNoOp(db: Db, table: 'oidc_refresh_tokens', schema: string): Promise<StepResult> {
  const index = `${table}_consumed_at_idx`;
  // Before: the partial index did not exist.
  await sql`drop index ${sql.id(schema, index)}`.execute(db);
  const oldMs = await timed(db, oldBatch(table));
  const oldPlan = await sql<{ 'QUERY PLAN': string }>`explain ${oldBatch(table)}`.execute(db);
  await sql`create index ${sql.id(index)} on ${sql.table(table)} (consumed_at) where consumed_at is not null`.execute(db);
  const expired = performance.now();
  await deleteDeadModelRows(db, table, 1000, { kind: 'expired' });
  const expiredMs = ms(expired);
  const consumed = performance.now();
  await deleteDeadModelRows(db, table, 1000, { kind: 'consumed', retentionSeconds: 604800 });
  const consumedMs = ms(consumed);
  const run = performance.now();
  const job = await runCleanupJob(db, { auditRetentionDays: 0 });
  return {
    oldBatchMs: oldMs,
    oldPlanScansTable: oldPlan.rows.some((row) => /Seq Scan on oidc_refresh_tokens/.test(row['QUERY PLAN'])),
    newExpiredBatchMs: expiredMs,
    newConsumedBatchMs: consumedMs,
    newWholeRunMs: ms(run),
    newWholeRunDeleted: Object.values(job.counts).reduce((sum, count) => sum + count, 0),
  };
}

/** The same table with one in ten rows consumed past the retention: a run that deletes. */
export async function cleanupDeleting(db: Db, table: 'oidc_refresh_tokens'): Promise<StepResult> {
  await sql`update ${sql.table(table)} set consumed_at = now() - interval '8 days' where consumed_at is not null`.execute(db);
  await sql`vacuum analyze ${sql.table(table)}`.execute(db);
  const start = performance.now();
  const job = await runCleanupJob(db, { auditRetentionDays: 0 });
  const elapsed = ms(start);
  return { deleted: job.counts[table], runMs: elapsed, rowsPerSecond: Math.round(job.counts[table] / (elapsed / 1000)) };
}

/** Revoking a client holding every row of the table: one statement (before) against bounded batches (now). */
export async function revokeBusyClient(db: Db, clientId: string): Promise<StepResult> {
  const rows = Number((await sql<{ n: string }>`select count(*) as n from oidc_access_tokens where client_id = ${clientId}`.execute(db)).rows[0]!.n);
  // Before: measured inside a transaction that is rolled back, so the rows stay for the batched run.
  let oneStatementMs = 0;
  await db.transaction().execute(async (trx) => {
    oneStatementMs = await timed(trx, sql`delete from oidc_access_tokens where client_id = ${clientId}`);
    throw new RollBack();
  }).catch((err: unknown) => { if (!(err instanceof RollBack)) throw err; });
  // Now: the client is refused by its commit (one UPDATE), the rows go in batches.
  const refuse = performance.now();
  await sql`update clients set active = false where client_id = ${clientId}`.execute(db);
  const refusedMs = ms(refuse);
  // A first batch through the client's index, then the table swept page range by page range (revoke-entities.ts).
  const { rows: size } = await sql<{ pages: number }>`select (pg_relation_size('oidc_access_tokens') / current_setting('block_size')::int)::int as pages`.execute(db);
  const statements = 1 + Math.ceil((size[0]?.pages ?? 0) / PAGES_PER_SWEEP);
  const start = performance.now();
  const deleted = await revokeClientEntities(db, clientId);
  const batchedTotalMs = ms(start);
  return {
    rows, oneStatementMs, refusedAfterMs: refusedMs, batchedTotalMs, deleted, statements,
    meanStatementMs: Math.round((batchedTotalMs / statements) * 10) / 10, statementTimeoutMs: 10_000,
  };
}

class RollBack extends Error {}

/** Audit retention at scale: the first run deletes half of the table, in batches; the next finds nothing through the index. */
export async function auditRetention(db: Db): Promise<StepResult> {
  const rows = Number((await sql<{ n: string }>`select count(*) as n from audit_events`.execute(db)).rows[0]!.n);
  const start = performance.now();
  let deleted = 0;
  let after: Date | null = null;
  for (;;) {
    const batch = await deleteOldAuditEvents(db, 90, 5000, after);
    deleted += batch.deleted;
    after = batch.last ?? after;
    if (batch.deleted < 5000) break;
  }
  const firstRunMs = ms(start);
  // The next run starts from the oldest entry again, over what this one left dead until vacuum.
  const again = performance.now();
  await deleteOldAuditEvents(db, 90, 5000);
  const noOpBatchMs = ms(again);
  await sql`vacuum audit_events`.execute(db);
  const vacuumed = performance.now();
  await deleteOldAuditEvents(db, 90, 5000);
  return { rows, deleted, firstRunMs, noOpBatchBeforeVacuumMs: noOpBatchMs, noOpBatchAfterVacuumMs: ms(vacuumed) };
}
