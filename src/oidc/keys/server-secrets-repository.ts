import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export async function findServerSecret(db: Executor, name: string): Promise<{ value: string; encrypted: boolean } | undefined> {
  return db.selectFrom('server_secrets').select(['value', 'encrypted']).where('name', '=', name).executeTakeFirst();
}

/** Inserts unless another instance already did; the stored value wins. */
export async function insertServerSecretIfAbsent(db: Executor, name: string, value: string, encrypted: boolean): Promise<void> {
  await db.insertInto('server_secrets').values({ name, value, encrypted }).onConflict((oc) => oc.column('name').doNothing()).execute();
}
