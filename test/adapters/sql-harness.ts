import { sql, type Kysely } from 'kysely';
import type { ClientSecretCodec } from '../../adapters/adapter-types.js';
import { storageId } from '../../adapters/storage-id.js';
import { createKyselyAdapterFactory } from '../../adapters/kysely-adapter.js';
import { MODEL_TABLES, type Database, type ModelName } from '../../src/db/schema.js';
import { ACCOUNT_ID, CLIENT_ID, type ContractHarness } from './adapter-contract.js';

/** A codec that is obviously not a real hash; the SQL contract never registers clients. */
export const plainTextCodec: ClientSecretCodec = {
  hash: async (plain) => `hashed:${plain}`,
  isHash: (value) => value.startsWith('hashed:'),
};

/** The account and client the contract's payloads reference (oidc_* foreign keys). */
export async function seedContractParties(db: Kysely<Database>): Promise<void> {
  await db.insertInto('users').values({ id: ACCOUNT_ID, username: ACCOUNT_ID, password_hash: 'x' }).execute();
  await db.insertInto('clients').values({ client_id: CLIENT_ID, metadata: JSON.stringify({}), secret_hash: null, source: 'code' }).execute();
}

function tableOf(model: string) {
  return MODEL_TABLES[model as ModelName];
}

export function createSqlHarness(db: Kysely<Database>): ContractHarness {
  return {
    factory: createKyselyAdapterFactory(db, plainTextCodec),
    async dump() {
      const tables = await Promise.all(Object.values(MODEL_TABLES).map((table) => db.selectFrom(table).selectAll().execute()));
      return JSON.stringify(tables);
    },
    async remainingTtl(model, id) {
      const { rows } = await sql<{ ttl: number | null }>`
        select extract(epoch from expires_at - now())::float8 as ttl from ${sql.table(tableOf(model))} where id = ${storageId(model, id)}`.execute(db);
      return rows[0]?.ttl ?? null;
    },
    async expireNow(model, id) {
      await db.updateTable(tableOf(model)).set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', storageId(model, id)).execute();
    },
  };
}
