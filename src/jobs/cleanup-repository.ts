import { sql, type Kysely } from 'kysely';
import type { Database, ModelTableName } from '../db/schema.js';

type Db = Kysely<Database>;

/**
 * Why a row is dead: its expiry passed (the expires_at index), or it was
 * consumed longer ago than the retention (the partial consumed_at index,
 * migrations/2026_12_24_000200_index_consumed_rows.ts). One statement per
 * condition, so each batch is an index scan: with `expires_at < … OR
 * consumed_at < …` Postgres read the whole table for every batch.
 */
export type DeadRows = { kind: 'expired' } | { kind: 'consumed'; retentionSeconds: number };

/** One batch's outcome: how many rows went, and the latest timestamp among them (the next batch starts there). */
export interface Batch {
  deleted: number;
  last: Date | null;
}

/**
 * Deletes up to `limit` dead rows of one oidc_* table in one short statement,
 * oldest first from `after` on: deleted index entries stay until vacuum, and
 * a batch that started from the oldest again would step over every one the
 * batches before it deleted. `id = any(array(…))` makes the outer DELETE
 * fetch the batch through the primary key (with `id in (…)` the planner
 * hashed the batch and read the whole table). FOR UPDATE SKIP LOCKED: rows a
 * live request holds are left for the next run.
 */
export async function deleteDeadModelRows(db: Db, table: ModelTableName, limit: number, dead: DeadRows, after: Date | null = null): Promise<Batch> {
  const column = sql.ref(dead.kind === 'expired' ? 'expires_at' : 'consumed_at');
  const before = dead.kind === 'expired' ? sql`now()` : sql`now() - ${dead.retentionSeconds} * interval '1 second'`;
  const from = after ? sql`and ${column} >= ${after}` : sql``;
  const { rows } = await sql<{ n: number; last: Date | null }>`
    with gone as (
      delete from ${sql.table(table)}
      where id = any(array(select id from ${sql.table(table)} where ${column} < ${before} ${from} order by ${column} limit ${limit} for update skip locked))
      returning ${column} as at)
    select count(*)::int as n, max(at) as last from gone`.execute(db);
  return { deleted: rows[0]?.n ?? 0, last: rows[0]?.last ?? null };
}

/** Audit events older than the retention (AUDIT_RETENTION_DAYS), up to `limit`, oldest first from `after`, through audit_events_created_at_idx. */
export async function deleteOldAuditEvents(db: Db, retentionDays: number, limit: number, after: Date | null = null): Promise<Batch> {
  const from = after ? sql`and created_at >= ${after}` : sql``;
  const { rows } = await sql<{ n: number; last: Date | null }>`
    with gone as (
      delete from audit_events
      where id = any(array(select id from audit_events where created_at < now() - ${retentionDays} * interval '1 day' ${from}
        order by created_at limit ${limit} for update skip locked))
      returning created_at)
    select count(*)::int as n, max(created_at) as last from gone`.execute(db);
  return { deleted: rows[0]?.n ?? 0, last: rows[0]?.last ?? null };
}

// One cleanup runner at a time per schema, across every instance and the CLI:
// a session advisory lock keyed by the job and the schema (search_path pins
// current_schema(), src/db/create-db.ts). Released with the connection too.
const LOCK = sql`hashtext('oidc-server:cleanup'), hashtext(current_schema())`;

export async function tryCleanupLock(connection: Db): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${LOCK}) as locked`.execute(connection);
  return rows[0]?.locked === true;
}

export async function releaseCleanupLock(connection: Db): Promise<void> {
  await sql`select pg_advisory_unlock(${LOCK})`.execute(connection);
}
