import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { AccountTokenPurpose, AccountTokensTable, Database } from '../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export type AccountTokenRow = Selectable<AccountTokensTable>;

export interface NewAccountTokenRow {
  digest: string;
  purpose: AccountTokenPurpose;
  user_id: string;
  email: string | null;
  expires_at: Date;
}

export async function insertAccountToken(db: Executor, row: NewAccountTokenRow): Promise<void> {
  await db.insertInto('account_tokens').values(row).execute();
}

/** Drops every link of one purpose an account still holds (a newer one replaces them). */
export async function deleteAccountTokens(db: Executor, userId: string, purposes: readonly AccountTokenPurpose[]): Promise<void> {
  await db.deleteFrom('account_tokens').where('user_id', '=', userId).where('purpose', 'in', [...purposes]).execute();
}

/** A link that can still be used: known, of one of these purposes, unexpired, unconsumed. */
export async function findUsableAccountToken(db: Executor, digest: string, purposes: readonly AccountTokenPurpose[]): Promise<AccountTokenRow | undefined> {
  return db.selectFrom('account_tokens').selectAll()
    .where('digest', '=', digest).where('purpose', 'in', [...purposes])
    .where('consumed_at', 'is', null).where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/**
 * Uses a link: one conditional UPDATE, so of two concurrent uses (two tabs,
 * two instances) exactly one gets the row back; the other, like a second
 * use later, gets undefined.
 */
export async function consumeAccountToken(db: Executor, digest: string, purposes: readonly AccountTokenPurpose[]): Promise<AccountTokenRow | undefined> {
  return db.updateTable('account_tokens').set({ consumed_at: sql<Date>`now()` })
    .where('digest', '=', digest).where('purpose', 'in', [...purposes])
    .where('consumed_at', 'is', null).where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

/** The newest usable link of a purpose for an account (the account page shows a pending address change). */
export async function findPendingAccountToken(db: Executor, userId: string, purpose: AccountTokenPurpose): Promise<AccountTokenRow | undefined> {
  return db.selectFrom('account_tokens').selectAll()
    .where('user_id', '=', userId).where('purpose', '=', purpose)
    .where('consumed_at', 'is', null).where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/**
 * Deletes up to `limit` dead links (expired, or used) in one short statement;
 * SKIP LOCKED lets several cleaners run at once, each row deleted once (as
 * src/jobs/cleanup-repository.ts does for the oidc_* tables). A used link is
 * of no further use: a second use is refused because the row is gone.
 */
export async function deleteDeadAccountTokens(db: Kysely<Database>, limit: number): Promise<number> {
  const result = await sql<{ digest: string }>`
    delete from account_tokens
    where digest in (
      select digest from account_tokens
      where expires_at < now() or consumed_at is not null
      limit ${limit}
      for update skip locked
    )
    returning digest`.execute(db);
  return result.rows.length;
}
