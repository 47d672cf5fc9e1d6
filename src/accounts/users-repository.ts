import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, Role, UsersTable } from '../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export type UserRow = Selectable<UsersTable>;

export interface NewUserRow {
  id: string;
  username: string;
  password_hash: string;
  role?: Role;
  email?: string | null;
  name?: string | null;
}

/** The columns a caller may change; updated_at always moves with them. */
export interface UserChanges {
  password_hash?: string;
  role?: Role;
  active?: boolean;
  email?: string | null;
  email_verified?: boolean;
  name?: string | null;
  /** The Core §5.1 claims object, already validated (standard-claims.ts). */
  claims?: Record<string, unknown>;
  last_login_at?: Date | null;
}

// Postgres text cannot hold NUL and refuses it with an error: such a name or id matches nobody (issue 16 item 7).
const hasNul = (value: string) => value.includes('\0');

export async function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  if (hasNul(id)) return undefined;
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The row locked until the transaction ends, for a read-modify-write of its claims. */
export async function findUserForUpdate(db: Transaction<Database>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Case-insensitive, matching the unique index on lower(username). */
export async function findUserByUsername(db: Executor, username: string): Promise<UserRow | undefined> {
  if (hasNul(username)) return undefined;
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['username']), '=', eb.fn('lower', [eb.val(username)])))
    .executeTakeFirst();
}

/**
 * The accounts whose e-mail address is `email`, case-insensitively (addresses
 * are not unique; a few accounts may share one). For "forgot password".
 */
export async function findUsersByEmail(db: Executor, email: string, limit: number): Promise<UserRow[]> {
  if (hasNul(email)) return [];
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', eb.fn('lower', [eb.val(email)])))
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

export async function insertUser(db: Executor, user: NewUserRow): Promise<UserRow> {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
}

/** Returns the updated row, or undefined when no user has this id. */
export async function updateUser(db: Executor, id: string, changes: UserChanges): Promise<UserRow | undefined> {
  const { claims, ...columns } = changes;
  return db
    .updateTable('users')
    .set({ ...columns, ...(claims ? { claims: JSON.stringify(claims) } : {}), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Sets last_login_at alone: updated_at feeds the OpenID `updated_at` claim
 * ("time the End-User's information was last updated", Core §5.1), which a
 * sign-in does not change.
 */
export async function recordLogin(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.updateTable('users').set({ last_login_at: sql<Date>`now()` }).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function listUsers(db: Executor, page: { limit?: number; offset?: number } = {}): Promise<UserRow[]> {
  let query = db.selectFrom('users').selectAll().orderBy(sql`lower(username)`).orderBy('id');
  if (page.limit !== undefined) query = query.limit(page.limit);
  if (page.offset !== undefined) query = query.offset(page.offset);
  return query.execute();
}

/** True when a row was deleted. */
export async function deleteUser(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A LIKE pattern matching values that start with `prefix` literally (%, _ and \ escaped). */
function startsWith(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

export interface UserSearch {
  /** The start of a username or e-mail address (any case), or a whole id; empty lists everyone. */
  query?: string;
  /** Keyset cursor: the id of the last row of the previous page (its lower(username) is the key). */
  after?: string;
  limit: number;
}

/**
 * One page of users in username order (lower(username) is unique, so it is a
 * keyset by itself). A prefix of the username or e-mail address is served by
 * the text_pattern_ops indexes (migration index_users_for_search), paging by
 * users_username_lower_key: no OFFSET, so page 1,000 costs what page 1 does.
 */
export async function searchUsers(db: Executor, search: UserSearch): Promise<UserRow[]> {
  const query = (search.query ?? '').trim().toLowerCase();
  if (hasNul(query) || hasNul(search.after ?? '')) return [];
  let select = db.selectFrom('users').selectAll().orderBy(sql`lower(username)`).limit(search.limit);
  if (search.after !== undefined) {
    const after = search.after;
    select = select.where(sql<string>`lower(username)`, '>', (eb) => eb.selectFrom('users as previous').select(sql<string>`lower(previous.username)`.as('key')).where('previous.id', '=', after));
  }
  if (query) {
    const pattern = startsWith(query);
    select = select.where((eb) => eb.or([
      eb(sql<string>`lower(username)`, 'like', pattern),
      eb(sql<string>`lower(email)`, 'like', pattern),
      eb('id', '=', search.query!.trim()),
    ]));
  }
  return select.execute();
}

export async function countUsers(db: Executor): Promise<number> {
  const row = await db.selectFrom('users').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Usernames by id, for lists that name people (at most one page of ids). */
export async function findUsernames(db: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids)].filter((id) => !hasNul(id));
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'username']).where('id', 'in', wanted).execute();
  return new Map(rows.map((row) => [row.id, row.username]));
}
