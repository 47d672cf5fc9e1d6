import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export interface AuditEventRow {
  id: number;
  event: string;
  actor: string | null;
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

export type NewAuditEventRow = Omit<AuditEventRow, 'id' | 'createdAt'>;

/** One multi-row INSERT for a batch of events. */
export async function insertAuditEvents(db: Executor, rows: readonly NewAuditEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('audit_events').values(rows.map((row) => ({
    event: row.event,
    actor: row.actor,
    client_id: row.clientId,
    ip: row.ip,
    user_agent: row.userAgent,
    details: JSON.stringify(row.details),
  }))).execute();
}

/** The newest events first. */
export async function findRecentAuditEvents(db: Executor, options: { limit: number; event?: string }): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(options.limit);
  if (options.event) query = query.where('event', '=', options.event);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: Number(row.id),
    event: row.event,
    actor: row.actor,
    clientId: row.client_id,
    ip: row.ip,
    userAgent: row.user_agent,
    details: row.details,
    createdAt: row.created_at,
  }));
}
