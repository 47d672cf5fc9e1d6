import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** One grant of an app, with the person it was made for. */
export interface AppGrantRow {
  id: string;
  accountId: string;
  username: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** A provider session as the operator console reads it: the stored (hashed) id, never the cookie value. */
export interface SessionRow extends AppGrantRow {
  expiresAt: Date | null;
}

const live = sql<boolean>`(s.expires_at is null or s.expires_at > now())`;

function baseSessions(db: Executor) {
  return db.selectFrom('oidc_sessions as s')
    .leftJoin('users as u', 'u.id', 's.account_id')
    .select(['s.id', 's.account_id', 'u.username', 's.payload', 's.created_at', 's.updated_at', 's.expires_at'])
    .where('s.account_id', 'is not', null)
    .where(live);
}

function toSessionRow(row: { id: string; account_id: string | null; username: string | null; payload: Record<string, unknown>; created_at: Date; updated_at: Date; expires_at: Date | null }): SessionRow {
  return {
    id: row.id, accountId: row.account_id ?? '', username: row.username, payload: row.payload,
    createdAt: row.created_at, updatedAt: row.updated_at, expiresAt: row.expires_at,
  };
}

/** The live sessions of one account, most recently active first (oidc_sessions_account_id_idx). */
export async function findSessionsByAccount(db: Executor, accountId: string): Promise<SessionRow[]> {
  const rows = await baseSessions(db).where('s.account_id', '=', accountId).orderBy('s.updated_at', 'desc').limit(200).execute();
  return rows.map(toSessionRow);
}

/**
 * One page of every live session, latest expiry first (the most recently
 * used, as each use moves it), keyset on (expires_at, id): `after` is the id
 * of the last row of the previous page (oidc_sessions_expires_at_idx).
 */
export async function findLiveSessions(db: Executor, page: { after?: string; limit: number }): Promise<SessionRow[]> {
  let query = baseSessions(db).orderBy('s.expires_at', 'desc').orderBy('s.id', 'desc').limit(page.limit);
  if (page.after !== undefined) {
    query = query.where(sql<boolean>`(s.expires_at, s.id) < (select p.expires_at, p.id from oidc_sessions p where p.id = ${page.after})`);
  }
  return (await query.execute()).map(toSessionRow);
}

export async function findSession(db: Executor, accountId: string, id: string): Promise<SessionRow | undefined> {
  const row = await baseSessions(db).where('s.account_id', '=', accountId).where('s.id', '=', id).executeTakeFirst();
  return row ? toSessionRow(row) : undefined;
}

/** True when the session was there (and belonged to this account). */
export async function deleteSession(db: Executor, accountId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('oidc_sessions').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function countLiveSessions(db: Executor): Promise<number> {
  const row = await db.selectFrom('oidc_sessions as s').select(sql<number>`count(*)::int`.as('n'))
    .where('s.account_id', 'is not', null).where(live).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * One page of the live grants of one app, newest first, keyset on
 * (created_at, id) (oidc_grants_client_created_idx, migration index_operator_lists).
 */
export async function findGrantsByClient(db: Executor, clientId: string, page: { after?: string; limit: number }): Promise<AppGrantRow[]> {
  let query = db.selectFrom('oidc_grants as g')
    .leftJoin('users as u', 'u.id', 'g.account_id')
    .select(['g.id', 'g.account_id', 'u.username', 'g.payload', 'g.created_at', 'g.updated_at'])
    .where('g.client_id', '=', clientId)
    .where('g.account_id', 'is not', null)
    .where(sql<boolean>`(g.expires_at is null or g.expires_at > now())`)
    .orderBy('g.created_at', 'desc').orderBy('g.id', 'desc').limit(page.limit);
  if (page.after !== undefined) {
    query = query.where(sql<boolean>`(g.created_at, g.id) < (select p.created_at, p.id from oidc_grants p where p.id = ${page.after})`);
  }
  return (await query.execute()).map((row) => ({
    id: row.id, accountId: row.account_id ?? '', username: row.username, payload: row.payload, createdAt: row.created_at, updatedAt: row.updated_at,
  }));
}
