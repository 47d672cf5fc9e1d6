import type { Kysely, Transaction } from 'kysely';
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

async function deleteWhere(db: Executor, models: readonly ModelName[], column: 'account_id' | 'client_id', value: string): Promise<number> {
  let deleted = 0;
  for (const model of models) {
    const result = await db.deleteFrom(MODEL_TABLES[model]).where(column, '=', value).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/** Revokes every session, grant and token of one account; returns how many rows went. */
export async function revokeAccountEntities(db: Executor, accountId: string): Promise<number> {
  return deleteWhere(db, ACCOUNT_MODELS, 'account_id', accountId);
}

/**
 * Revokes every grant and token issued to one client; `forget` (the client is
 * deleted) also drops its RFC 7592 registration access tokens.
 */
export async function revokeClientEntities(db: Executor, clientId: string, { forget = false } = {}): Promise<number> {
  const models: readonly ModelName[] = forget ? [...CLIENT_MODELS, 'RegistrationAccessToken'] : CLIENT_MODELS;
  return deleteWhere(db, models, 'client_id', clientId);
}
