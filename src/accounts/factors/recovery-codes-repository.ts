import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, RecoveryCodesTable } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export type RecoveryCodeRow = Selectable<RecoveryCodesTable>;

/** The old set goes, used or not, and the new one takes its place. */
export async function replaceRecoveryCodes(db: Transaction<Database>, accountId: string, hashes: readonly string[]): Promise<void> {
  await db.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
  await db.insertInto('recovery_codes')
    .values(hashes.map((hash) => ({ id: randomUUID(), account_id: accountId, code_hash: hash })))
    .execute();
}

export async function findRecoveryCodes(db: Executor, accountId: string): Promise<RecoveryCodeRow[]> {
  return db.selectFrom('recovery_codes').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
}

/** Marks the code used if it is this account's and unused; one conditional UPDATE, so it works once. */
export async function useRecoveryCode(db: Executor, accountId: string, hash: string): Promise<boolean> {
  const result = await db.updateTable('recovery_codes')
    .set({ used_at: new Date() })
    .where('account_id', '=', accountId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteRecoveryCodes(db: Executor, accountId: string): Promise<number> {
  const result = await db.deleteFrom('recovery_codes').where('account_id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
