import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { MODEL_TABLES, type Database, type ModelName, type ModelTableName } from '../src/db/schema.js';
import { AlreadyConsumedError, ConsumeTargetMissingError } from './already-consumed-error.js';
import type { AdapterFactory, AdapterPayload, ClientSecretCodec, OidcAdapter } from './adapter-types.js';
import { fromStoredPayload, storageId, toStoredPayload } from './hashed-id.js';
import { KyselyClientAdapter } from './kysely-client-adapter.js';

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Seconds since the epoch, as oidc-provider's epochTime() gives. */
function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

// Rows past expires_at are invisible, as entries past their TTL are in the
// memory adapter; deleting them is left to the batched cleanup (src/jobs).
const notExpired: Expression<SqlBool> = sql<SqlBool>`(expires_at is null or expires_at > now())`;

class KyselyModelAdapter implements OidcAdapter {
  private readonly table: ModelTableName;

  constructor(private readonly db: Kysely<Database>, private readonly model: ModelName) {
    this.table = MODEL_TABLES[model];
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const { consumed, ...rest } = payload;
    const row = {
      id: storageId(this.model, id),
      grant_id: text(payload.grantId),
      uid: text(payload.uid),
      user_code: text(payload.userCode),
      client_id: text(payload.clientId),
      account_id: text(payload.accountId),
      payload: JSON.stringify(toStoredPayload(this.model, rest)),
      expires_at: typeof expiresIn === 'number' ? sql<Date>`now() + ${expiresIn} * interval '1 second'` : null,
      consumed_at: typeof consumed === 'number' ? sql<Date>`to_timestamp(${consumed})` : null,
    };
    await this.db.insertInto(this.table).values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
        grant_id: eb.ref('excluded.grant_id'),
        uid: eb.ref('excluded.uid'),
        user_code: eb.ref('excluded.user_code'),
        client_id: eb.ref('excluded.client_id'),
        account_id: eb.ref('excluded.account_id'),
        payload: eb.ref('excluded.payload'),
        expires_at: eb.ref('excluded.expires_at'),
        // Saving a loaded entity again must never un-consume it (a replayed
        // code would become redeemable); poll-tracker columns are left alone.
        consumed_at: sql<Date>`coalesce(${sql.ref(`${this.table}.consumed_at`)}, excluded.consumed_at)`,
        updated_at: sql<Date>`now()`,
      })))
      .execute();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id', storageId(this.model, id), id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid, undefined);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code', userCode, undefined);
  }

  private async findWhere(column: 'id' | 'uid' | 'user_code', value: string, rawId: string | undefined): Promise<AdapterPayload | undefined> {
    const row = await this.db.selectFrom(this.table)
      .select(['payload', 'consumed_at'])
      .where(column, '=', value)
      .where(notExpired)
      .executeTakeFirst();
    if (!row) return undefined;
    const payload = fromStoredPayload(this.model, row.payload as AdapterPayload, rawId);
    return row.consumed_at ? { ...payload, consumed: epochSeconds(row.consumed_at) } : payload;
  }

  async consume(id: string): Promise<void> {
    const key = storageId(this.model, id);
    // One conditional UPDATE: Postgres row locking lets exactly one of any
    // number of concurrent callers (on any instance) see consumed_at IS NULL.
    const won = await this.db.updateTable(this.table)
      .set({ consumed_at: sql<Date>`now()` })
      .where('id', '=', key)
      .where('consumed_at', 'is', null)
      .where(notExpired)
      .returning('id')
      .executeTakeFirst();
    if (won) return;
    // Only classifies the loss; the UPDATE above already decided it.
    const row = await this.db.selectFrom(this.table)
      .select(['grant_id', 'consumed_at'])
      .where('id', '=', key)
      .executeTakeFirst();
    if (row?.consumed_at) throw new AlreadyConsumedError(row.grant_id ?? undefined);
    throw new ConsumeTargetMissingError();
  }

  async destroy(id: string): Promise<void> {
    await this.db.deleteFrom(this.table).where('id', '=', storageId(this.model, id)).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.deleteFrom(this.table).where('grant_id', '=', grantId).execute();
  }
}

function isTableModel(model: string): model is ModelName {
  return Object.hasOwn(MODEL_TABLES, model);
}

/** Adapters over the oidc_* tables and, for Client, the clients table. */
export function createKyselyAdapterFactory(db: Kysely<Database>, secrets: ClientSecretCodec): AdapterFactory {
  return (modelName) => {
    if (modelName === 'Client') return new KyselyClientAdapter(db, secrets);
    if (isTableModel(modelName)) return new KyselyModelAdapter(db, modelName);
    throw new Error(`no SQL table for oidc-provider model "${modelName}"; add a migration and a MODEL_TABLES entry`);
  };
}
