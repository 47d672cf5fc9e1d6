import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, WebauthnCredentialsTable } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export type PasskeyRow = Selectable<WebauthnCredentialsTable>;

export interface NewPasskeyRow {
  id: string;
  accountId: string;
  name: string;
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
}

// Credential ids are base64url (WebAuthn §5.1): anything else matches nobody,
// and NUL never reaches Postgres' text type.
const isCredentialId = (id: string) => /^[A-Za-z0-9_-]{1,1366}$/.test(id);

export async function insertPasskey(db: Executor, row: NewPasskeyRow): Promise<PasskeyRow> {
  return db.insertInto('webauthn_credentials').values({
    id: row.id,
    account_id: row.accountId,
    name: row.name,
    public_key: row.publicKey,
    counter: row.counter,
    transports: JSON.stringify(row.transports),
    device_type: row.deviceType,
    backed_up: row.backedUp,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function findPasskeysOfAccount(db: Executor, accountId: string): Promise<PasskeyRow[]> {
  return db.selectFrom('webauthn_credentials').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
}

export async function findPasskey(db: Executor, id: string): Promise<PasskeyRow | undefined> {
  if (!isCredentialId(id)) return undefined;
  return db.selectFrom('webauthn_credentials').selectAll().where('id', '=', id).executeTakeFirst();
}

/** After a verified assertion: the new signature counter and the time of use. */
export async function recordPasskeyUse(db: Executor, id: string, counter: number): Promise<void> {
  await db.updateTable('webauthn_credentials').set({ counter, last_used_at: new Date() }).where('id', '=', id).execute();
}

/** Only the account's own passkey; returns whether one was deleted. */
export async function deletePasskey(db: Executor, accountId: string, id: string): Promise<boolean> {
  if (!isCredentialId(id)) return false;
  const result = await db.deleteFrom('webauthn_credentials').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
