import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Role } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export interface FactorCounts {
  role: Role;
  passkeys: number;
  totp: boolean;
  recoveryCodesLeft: number;
}

/**
 * What the sign-in policy needs to know about an active account in one round
 * trip: its role and which second factors it has (a pending TOTP secret does
 * not count). Undefined for an unknown or disabled account.
 */
export async function findFactorCounts(db: Executor, accountId: string): Promise<FactorCounts | undefined> {
  const row = await db.selectFrom('users')
    .select((eb) => [
      'users.role',
      eb.selectFrom('webauthn_credentials').select(sql<number>`count(*)::int`.as('n')).whereRef('webauthn_credentials.account_id', '=', 'users.id').as('passkeys'),
      eb.selectFrom('totp_secrets').select(sql<number>`count(*)::int`.as('n')).whereRef('totp_secrets.account_id', '=', 'users.id').where('totp_secrets.confirmed_at', 'is not', null).as('totp'),
      eb.selectFrom('recovery_codes').select(sql<number>`count(*)::int`.as('n')).whereRef('recovery_codes.account_id', '=', 'users.id').where('recovery_codes.used_at', 'is', null).as('recovery'),
    ])
    .where('users.id', '=', accountId)
    .where('users.active', '=', true)
    .executeTakeFirst();
  if (!row) return undefined;
  return { role: row.role, passkeys: Number(row.passkeys ?? 0), totp: Number(row.totp ?? 0) > 0, recoveryCodesLeft: Number(row.recovery ?? 0) };
}

/** Every factor of the account (operator reset); returns how many rows went. */
export async function deleteAllFactors(db: Transaction<Database>, accountId: string): Promise<number> {
  let deleted = 0;
  for (const table of ['webauthn_credentials', 'totp_secrets', 'recovery_codes'] as const) {
    const result = await db.deleteFrom(table).where('account_id', '=', accountId).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}
