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
  name?: string | null;
  last_login_at?: Date | null;
}

export async function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Case-insensitive, matching the unique index on lower(username). */
export async function findUserByUsername(db: Executor, username: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['username']), '=', eb.fn('lower', [eb.val(username)])))
    .executeTakeFirst();
}

export async function insertUser(db: Executor, user: NewUserRow): Promise<UserRow> {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
}

/** Returns the updated row, or undefined when no user has this id. */
export async function updateUser(db: Executor, id: string, changes: UserChanges): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ ...changes, updated_at: sql<Date>`now()` })
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
