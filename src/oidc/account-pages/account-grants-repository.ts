import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { storageId } from '../../../adapters/storage-id.js';

type Executor = Kysely<Database> | Transaction<Database>;

export interface GrantRow {
  id: string;
  clientId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
}

/** The live grants (oidc_grants) of one account, newest first. */
export async function listGrantRowsByAccount(db: Executor, accountId: string): Promise<GrantRow[]> {
  const rows = await db.selectFrom('oidc_grants')
    .select(['id', 'client_id', 'payload', 'created_at', 'updated_at', 'expires_at'])
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
    .orderBy('updated_at', 'desc')
    .execute();
  return rows.map((row) => ({
    id: row.id, clientId: row.client_id, payload: row.payload, createdAt: row.created_at, updatedAt: row.updated_at, expiresAt: row.expires_at,
  }));
}

/**
 * Signs an account out everywhere but the given session (its cookie value,
 * stored hashed like every credential id, see adapters/storage-id.ts).
 */
export async function deleteOtherSessions(db: Executor, accountId: string, keepSessionId: string | undefined): Promise<number> {
  let query = db.deleteFrom('oidc_sessions').where('account_id', '=', accountId);
  if (keepSessionId) query = query.where('id', '!=', storageId('Session', keepSessionId));
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}
