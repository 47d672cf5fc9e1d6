import { sql, type Kysely } from 'kysely';
import type { Database, ModelTableName } from '../db/schema.js';

/**
 * Deletes up to `limit` dead rows of one oidc_* table in one short statement:
 * expired, or consumed longer ago than the retention. FOR UPDATE SKIP LOCKED
 * lets several cleaners (one per instance) run at once without waiting on each
 * other or on live requests, and deletes every row exactly once.
 */
export async function deleteDeadModelRows(db: Kysely<Database>, table: ModelTableName, limit: number, consumedRetentionSeconds: number): Promise<number> {
  const result = await sql<{ id: string }>`
    delete from ${sql.table(table)}
    where id in (
      select id from ${sql.table(table)}
      where expires_at < now()
         or consumed_at < now() - ${consumedRetentionSeconds} * interval '1 second'
      limit ${limit}
      for update skip locked
    )
    returning id`.execute(db);
  return result.rows.length;
}
