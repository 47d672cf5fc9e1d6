import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, TotpSecretsTable } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export type TotpRow = Selectable<TotpSecretsTable>;

export async function findTotp(db: Executor, accountId: string): Promise<TotpRow | undefined> {
  return db.selectFrom('totp_secrets').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

/**
 * A new, unconfirmed secret replaces an earlier unconfirmed one; a confirmed
 * one is never overwritten (it must be removed first). Returns false then.
 */
export async function savePendingTotp(db: Executor, accountId: string, secret: string, encrypted: boolean): Promise<boolean> {
  const row = await db.insertInto('totp_secrets')
    .values({ account_id: accountId, secret, encrypted })
    .onConflict((conflict) => conflict.column('account_id')
      .doUpdateSet({ secret, encrypted, last_used_step: null, last_used_at: null })
      .where('totp_secrets.confirmed_at', 'is', null))
    .returning('account_id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Accepts time step `step` for this account only if it is later than the last
 * one accepted: one conditional UPDATE, so two requests racing with the same
 * code cannot both win (RFC 6238 §5.2: a verifier must not accept the second
 * attempt of the same OTP). `confirm` also marks a pending secret confirmed.
 */
export async function acceptTotpStep(db: Executor, accountId: string, step: number, { confirm }: { confirm: boolean }): Promise<boolean> {
  let query = db.updateTable('totp_secrets')
    .set({ last_used_step: step, last_used_at: new Date(), ...(confirm ? { confirmed_at: new Date() } : {}) })
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]));
  query = confirm ? query.where('confirmed_at', 'is', null) : query.where('confirmed_at', 'is not', null);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteTotp(db: Executor, accountId: string): Promise<boolean> {
  const result = await db.deleteFrom('totp_secrets').where('account_id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
