import { sql, type Kysely, type Transaction } from 'kysely';
import { MODEL_TABLES, type Database, type ModelName } from '../src/db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

// What a person or a client holds in the SQL store. Deleting a row is how the
// adapters revoke (revokeByGrantId and destroy delete too), so a deleted token
// introspects inactive and a deleted grant fails every later exchange of a
// code or refresh token issued under it ("grant not found"). Entities in
// Redis (codes, interactions) are left to expire: without their grant they
// cannot be redeemed.
const ACCOUNT_MODELS: readonly ModelName[] = [
  'AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest', 'Grant', 'Session',
];
const CLIENT_MODELS: readonly ModelName[] = [
  'AccessToken', 'RefreshToken', 'ClientCredentials', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest',
  'PushedAuthorizationRequest', 'Grant',
];

/**
 * Rows per DELETE. A busy client holds millions of tokens; one statement per
 * table took 3.7 s for 2.67M rows and would pass DATABASE_STATEMENT_TIMEOUT_MS
 * at 10M. Each batch is one short statement through the client_id or
 * account_id index, so a revocation of any size finishes.
 */
export const REVOCATION_BATCH = 2000;

async function deleteWhere(db: Executor, models: readonly ModelName[], column: 'account_id' | 'client_id', value: string, batch: number): Promise<number> {
  let deleted = 0;
  for (const model of models) {
    const table = sql.table(MODEL_TABLES[model]);
    for (;;) {
      const result = await sql`delete from ${table} where id in (select id from ${table} where ${sql.ref(column)} = ${value} limit ${batch})`.execute(db);
      const count = Number(result.numAffectedRows ?? 0n);
      deleted += count;
      // A short batch: nothing of it is left (no new rows come for a disabled client or user).
      if (count < batch) break;
    }
  }
  return deleted;
}

/** Revokes every session, grant and token of one account; returns how many rows went. */
export async function revokeAccountEntities(db: Executor, accountId: string, batch = REVOCATION_BATCH): Promise<number> {
  return deleteWhere(db, ACCOUNT_MODELS, 'account_id', accountId, batch);
}

/**
 * Revokes every grant and token issued to one client, in bounded batches;
 * `forget` (the client is deleted) also drops its RFC 7592 registration
 * access tokens. Callers disable the client first and commit that, so it is
 * refused from the next request on while the rows go.
 */
export async function revokeClientEntities(db: Executor, clientId: string, { forget = false, batch = REVOCATION_BATCH } = {}): Promise<number> {
  const models: readonly ModelName[] = forget ? [...CLIENT_MODELS, 'RegistrationAccessToken'] : CLIENT_MODELS;
  return deleteWhere(db, models, 'client_id', clientId, batch);
}

/**
 * Rows still held by disabled clients: what a revocation cut short (a
 * stopped CLI, a crash) left behind. The cleanup job removes them, so every
 * revocation finishes. Up to `limit` rows of one table per call.
 */
export async function deleteRowsOfDisabledClients(db: Executor, model: ModelName, limit: number): Promise<number> {
  const table = sql.table(MODEL_TABLES[model]);
  const result = await sql`delete from ${table} where id in (
      select t.id from ${table} as t join clients as c on c.client_id = t.client_id
      where c.active = false limit ${limit} for update of t skip locked)`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

export const CLIENT_REVOKED_MODELS = CLIENT_MODELS;
