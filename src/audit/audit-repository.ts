import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { AuditEventsTable, Database } from '../db/schema.js';

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

function toAuditEventRow(row: Selectable<AuditEventsTable>): AuditEventRow {
  return {
    id: Number(row.id),
    event: row.event,
    actor: row.actor,
    clientId: row.client_id,
    ip: row.ip,
    userAgent: row.user_agent,
    details: row.details,
    createdAt: row.created_at,
  };
}

/** The newest events first. */
export async function findRecentAuditEvents(db: Executor, options: { limit: number; event?: string }): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(options.limit);
  if (options.event) query = query.where('event', '=', options.event);
  return (await query.execute()).map(toAuditEventRow);
}

/** What the operator console filters the trail by; every field optional. */
export interface AuditFilter {
  event?: string;
  /** The person behind the event (actor) or the one it is about (details.user_id). */
  person?: string;
  clientId?: string;
  ip?: string;
  /** created_at >= from, created_at < to. */
  from?: Date;
  to?: Date;
}

/**
 * One page of the trail, newest first, keyset on the id (`before`: the id of
 * the last row of the previous page). Each filter has an index
 * (migrations create_audit_events and index_operator_lists).
 */
export async function findAuditEvents(db: Executor, filter: AuditFilter, page: { before?: number; limit: number }): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(page.limit);
  if (page.before !== undefined) query = query.where('id', '<', page.before);
  if (filter.event) query = query.where('event', '=', filter.event);
  if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
  if (filter.ip) query = query.where('ip', '=', filter.ip);
  if (filter.from) query = query.where('created_at', '>=', filter.from);
  if (filter.to) query = query.where('created_at', '<', filter.to);
  const { person } = filter;
  if (person) query = query.where((eb) => eb.or([eb('actor', '=', person), eb(sql<string>`details->>'user_id'`, '=', person)]));
  return (await query.execute()).map(toAuditEventRow);
}

/** How many events of these names were written since `since` (the console's overview). */
export async function countAuditEventsSince(db: Executor, events: readonly string[], since: Date): Promise<Record<string, number>> {
  if (events.length === 0) return {};
  const rows = await db.selectFrom('audit_events').select(['event', sql<number>`count(*)::int`.as('n')])
    .where('event', 'in', events).where('created_at', '>=', since).groupBy('event').execute();
  return Object.fromEntries(events.map((event) => [event, Number(rows.find((row) => row.event === event)?.n ?? 0)]));
}
