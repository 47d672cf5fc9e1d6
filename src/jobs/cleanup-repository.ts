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

/**
 * Deletes up to `limit` dead rows of one oidc_* table in one short statement.
 * FOR UPDATE SKIP LOCKED: rows a live request holds are left for the next run.
 */
export async function deleteDeadModelRows(db: Db, table: ModelTableName, limit: number, dead: DeadRows): Promise<number> {
  const condition = dead.kind === 'expired'
    ? sql`expires_at < now()`
    : sql`consumed_at < now() - ${dead.retentionSeconds} * interval '1 second'`;
  const result = await sql`
    delete from ${sql.table(table)}
    where id in (select id from ${sql.table(table)} where ${condition} limit ${limit} for update skip locked)`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** Audit events older than the retention (AUDIT_RETENTION_DAYS), up to `limit`, through audit_events_created_at_idx. */
export async function deleteOldAuditEvents(db: Db, retentionDays: number, limit: number): Promise<number> {
  const result = await sql`
    delete from audit_events
    where id in (select id from audit_events where created_at < now() - ${retentionDays} * interval '1 day' limit ${limit} for update skip locked)`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
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
