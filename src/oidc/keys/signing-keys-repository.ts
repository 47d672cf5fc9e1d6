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
