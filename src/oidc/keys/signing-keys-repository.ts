import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export interface StoredSigningKey {
  kid: string;
  alg: string;
  privateJwk: string;
  encrypted: boolean;
  retiredAt: Date | null;
  createdAt: Date;
}

export async function findSigningKeys(db: Executor): Promise<StoredSigningKey[]> {
  const rows = await db.selectFrom('signing_keys')
    .select(['kid', 'alg', 'private_jwk', 'encrypted', 'retired_at', 'created_at'])
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((row) => ({
    kid: row.kid, alg: row.alg, privateJwk: row.private_jwk, encrypted: row.encrypted, retiredAt: row.retired_at, createdAt: row.created_at,
  }));
}

export async function insertSigningKey(db: Executor, key: { kid: string; alg: string; publicJwk: Record<string, unknown>; privateJwk: string; encrypted: boolean }): Promise<void> {
  await db.insertInto('signing_keys').values({
    kid: key.kid, alg: key.alg, public_jwk: JSON.stringify(key.publicJwk), private_jwk: key.privateJwk, encrypted: key.encrypted,
  }).execute();
}

/** Serialises key creation across instances booting at the same moment. */
export async function lockSigningKeys(trx: Transaction<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('signing_keys'))`.execute(trx);
}

/** Marks every current key retired; returns their kids. */
export async function retireCurrentSigningKeys(db: Executor): Promise<string[]> {
  const rows = await db.updateTable('signing_keys')
    .set({ retired_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('retired_at', 'is', null)
    .returning('kid')
    .execute();
  return rows.map((row) => row.kid);
}

/** Deletes keys retired longer ago than the given number of seconds (no token signed by them is still valid). */
export async function deleteSigningKeysRetiredBefore(db: Executor, seconds: number): Promise<string[]> {
  const rows = await db.deleteFrom('signing_keys')
    .where('retired_at', '<', sql<Date>`now() - ${seconds} * interval '1 second'`)
    .returning('kid')
    .execute();
  return rows.map((row) => row.kid);
}
