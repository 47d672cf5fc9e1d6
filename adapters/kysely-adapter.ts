import type { Kysely } from 'kysely';
import { MODEL_TABLES, type Database, type ModelName } from '../src/db/schema.js';
import { AlreadyConsumedError, ConsumeTargetMissingError, NotRedeemableError } from './already-consumed-error.js';
import type { AdapterFactory, AdapterPayload, ClientSecretCodec, OidcAdapter } from './adapter-types.js';
import { isDeviceCodeHandle, storageId, userCodeDigest } from './storage-id.js';
import type { ClientRowCache } from './client-row-cache.js';
import { KyselyClientAdapter, type RequestScope } from './kysely-client-adapter.js';
import { createGroupCommit, type GroupCommit } from './group-commit.js';
import { createModelUpsert, type ModelRow, type ModelUpsert } from './model-upsert.js';
import { LEEWAY_KEY } from './model-sql.js';
import { createGroupedConsume, createGroupedFind } from './grouped-model-queries.js';
import { prepareQuery, slot } from './prepared-query.js';
import { TOKEN_MODELS, TokenFinder, type StoredRow, type TokenModel } from './token-finder.js';
import { noReuseLeeway, type ReuseLeeway } from './refresh-reuse-leeway.js';
import { consumedEpoch, fromStoredPayload, toStoredPayload, type Lookup } from './stored-payload.js';

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Seconds since the epoch, as oidc-provider's epochTime() gives. */
function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}


// Models whose rows carry a unique key besides the id (a session's uid, a
// device code's user code); see upsertTakingKeys.
const HAS_SECONDARY_KEY = new Set<ModelName>(['Session', 'DeviceCode']);

function isTokenModel(model: ModelName): model is TokenModel {
  return (TOKEN_MODELS as readonly string[]).includes(model);
}

class KyselyModelAdapter implements OidcAdapter {
  // Compiled once, run with new values (prepared-query.ts): the same SQL as
  // the builder calls they were written as.
  private readonly upsertRow: ModelUpsert;
  private readonly groupedSave: GroupCommit<ModelRow> | undefined;
  private readonly findBy;
  private readonly consumeRow;
  private readonly findConsumed;
  private readonly destroyRow;
  private readonly revokeRows;

  constructor(
    db: Kysely<Database>,
    private readonly model: ModelName,
    private readonly reuseLeeway: ReuseLeeway,
    private readonly finder?: TokenFinder,
  ) {
    const table = MODEL_TABLES[model];
    this.upsertRow = createModelUpsert(db, table, HAS_SECONDARY_KEY.has(model));
    // Saves of rows without a secondary unique key (tokens, grants, codes)
    // that arrive together leave together (group-commit.ts); sessions and
    // device codes keep one statement each, for the key takeover below.
    this.groupedSave = HAS_SECONDARY_KEY.has(model) ? undefined : createGroupCommit<ModelRow>({
      writeMany: (rows) => this.upsertRow.many(rows),
      writeOne: (row) => this.upsertRow.one(row),
      keyOf: (row) => row.id,
    });
    // Lookups and consumes of concurrent requests leave together (grouped-model-queries.ts).
    this.findBy = { id: createGroupedFind(db, table, 'id'), uid: createGroupedFind(db, table, 'uid'), user_code: createGroupedFind(db, table, 'user_code') };
    // One conditional UPDATE: Postgres row locking lets exactly one of any
    // number of concurrent callers (on any instance) see consumed_at IS NULL;
    // within a reuse leeway every caller passes and the first time is kept.
    this.consumeRow = createGroupedConsume(db, table);
    this.findConsumed = prepareQuery(db, db.selectFrom(table).select(['grant_id', 'consumed_at']).where('id', '=', slot('id')));
    this.destroyRow = prepareQuery(db, db.deleteFrom(table).where('id', '=', slot('id')));
    this.revokeRows = prepareQuery(db, db.deleteFrom(table).where('grant_id', '=', slot('grant_id')));
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const row = this.rowOf(id, payload, expiresIn);
    this.forgetGrant(id);
    if (this.groupedSave) return this.groupedSave(row);
    return this.upsertRow.taking(row);
  }

  private rowOf(id: string, payload: AdapterPayload, expiresIn: number | undefined): ModelRow {
    const { consumed, userCode } = payload;
    const stored = toStoredPayload(this.model, id, payload);
    const leeway = this.reuseLeeway(this.model, payload);
    if (leeway > 0) stored[LEEWAY_KEY] = leeway;
    return {
      id: storageId(this.model, id),
      grant_id: text(payload.grantId),
      uid: text(payload.uid),
      user_code: typeof userCode === 'string' ? userCodeDigest(userCode) : null,
      client_id: text(payload.clientId),
      account_id: text(payload.accountId),
      payload: JSON.stringify(stored),
      expires_in: typeof expiresIn === 'number' ? expiresIn : null,
      consumed: consumedEpoch(consumed),
    };
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (id.includes('\0')) return undefined;
    const key = storageId(this.model, id);
    if (this.finder && isTokenModel(this.model)) return this.toPayload(await this.finder.find(this.model, key), { by: 'id', id });
    const primed = this.model === 'Grant' ? this.finder?.takeGrant(key) : undefined;
    if (primed !== undefined) return this.toPayload(primed ?? undefined, { by: 'id', id });
    return this.findWhere('id', key, () => ({ by: 'id', id }));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid, () => ({ by: 'uid' }));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code', userCodeDigest(userCode), (storedId) => ({ by: 'userCode', userCode, storedId }));
  }

  private async findWhere(column: 'id' | 'uid' | 'user_code', value: string, lookup: (storedId: string) => Lookup): Promise<AdapterPayload | undefined> {
    // A user code or id typed with NUL matches nothing, and Postgres text
    // refuses it with an error (issue 16 item 7).
    if (value.includes('\0')) return undefined;
    const row = await this.findBy[column](value);
    return this.toPayload(row, row && lookup(row.id));
  }

  private toPayload(row: StoredRow | undefined, lookup: Lookup | undefined): AdapterPayload | undefined {
    if (!row || !lookup) return undefined;
    const { [LEEWAY_KEY]: _leeway, ...stored } = row.payload as AdapterPayload;
    const consumed = row.consumed_at && !row.reusable ? epochSeconds(row.consumed_at) : undefined;
    return fromStoredPayload(this.model, stored, lookup, consumed);
  }

  async consume(id: string): Promise<void> {
    if (isDeviceCodeHandle(this.model, id)) throw new NotRedeemableError();
    const key = storageId(this.model, id);
    if (await this.consumeRow(key)) return;
    // Only classifies the loss; the UPDATE above already decided it.
    const [row] = (await this.findConsumed({ id: key })).rows;
    if (row?.consumed_at) throw new AlreadyConsumedError(row.grant_id ?? undefined);
    throw new ConsumeTargetMissingError();
  }

  async destroy(id: string): Promise<void> {
    this.forgetGrant(id);
    await this.destroyRow({ id: storageId(this.model, id) });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.forgetGrant(grantId);
    await this.revokeRows({ grant_id: grantId });
  }

  // A grant read along with its token (token-finder.ts) is stale once this request changes it.
  private forgetGrant(id: string): void {
    if (this.model === 'Grant') this.finder?.forgetGrant(id);
  }
}

function isTableModel(model: string): model is ModelName {
  return Object.hasOwn(MODEL_TABLES, model);
}

/** Adapters over the oidc_* tables and, for Client, the clients table. */
export function createKyselyAdapterFactory(
  db: Kysely<Database>, secrets: ClientSecretCodec, requestScope?: RequestScope, clientCache?: ClientRowCache, reuseLeeway: ReuseLeeway = noReuseLeeway,
): AdapterFactory {
  // One finder for the token models and Grant: lookups of one token leave together (token-finder.ts).
  const finder = new TokenFinder(db, requestScope ?? (() => undefined));
  return (modelName) => {
    if (modelName === 'Client') return new KyselyClientAdapter(db, secrets, requestScope, clientCache);
    if (isTableModel(modelName)) return new KyselyModelAdapter(db, modelName, reuseLeeway, finder);
    throw new Error(`no SQL table for oidc-provider model "${modelName}"; add a migration and a MODEL_TABLES entry`);
  };
}
