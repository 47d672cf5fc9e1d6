import { sql, type Kysely, type SqlBool } from 'kysely';
import { MODEL_TABLES, type Database, type ModelName } from '../src/db/schema.js';
import { AlreadyConsumedError, ConsumeTargetMissingError, NotRedeemableError } from './already-consumed-error.js';
import type { AdapterFactory, AdapterPayload, ClientSecretCodec, OidcAdapter } from './adapter-types.js';
import { isDeviceCodeHandle, storageId, userCodeDigest } from './hashed-id.js';
import type { ClientRowCache } from './client-row-cache.js';
import { KyselyClientAdapter, type RequestScope } from './kysely-client-adapter.js';
import { createGroupCommit, type GroupCommit } from './group-commit.js';
import { createModelUpsert, type ModelRow, type ModelUpsert } from './model-upsert.js';
import { LEEWAY_KEY, notExpired, withinLeeway } from './model-sql.js';
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

const notExpiredRow = notExpired();
const reusableRow = withinLeeway();

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

// Models whose rows carry a unique key besides the id (a session's uid, a
// device code's user code); see upsertTakingKeys.
const HAS_SECONDARY_KEY = new Set<ModelName>(['Session', 'DeviceCode']);

// Bounded: more parallel first saves of one session than this is not a browser.
const MAX_KEY_TAKEOVERS = 20;

type Row = StoredRow;

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
  private readonly releaseUid;
  private readonly releaseUserCode;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly model: ModelName,
    private readonly reuseLeeway: ReuseLeeway,
    private readonly finder?: TokenFinder,
  ) {
    const table = MODEL_TABLES[model];
    this.upsertRow = createModelUpsert(db, table);
    // Saves of rows without a secondary unique key (tokens, grants, codes)
    // that arrive together leave together (group-commit.ts); sessions and
    // device codes keep one statement each, for the key takeover below.
    this.groupedSave = HAS_SECONDARY_KEY.has(model) ? undefined : createGroupCommit<ModelRow>({
      writeMany: (rows) => this.upsertRow.many(rows),
      writeOne: (row) => this.upsertRow.one(row),
      keyOf: (row) => row.id,
    });
    const findWhere = (column: 'id' | 'uid' | 'user_code') => prepareQuery<Database, Row>(db, db.selectFrom(table)
      .select(['id', 'payload', 'consumed_at', reusableRow.as('reusable')])
      .where(column, '=', slot('value'))
      .where(notExpiredRow));
    this.findBy = { id: findWhere('id'), uid: findWhere('uid'), user_code: findWhere('user_code') };
    // One conditional UPDATE: Postgres row locking lets exactly one of any
    // number of concurrent callers (on any instance) see consumed_at IS NULL;
    // within a reuse leeway every caller passes and the first time is kept.
    this.consumeRow = prepareQuery(db, db.updateTable(table)
      .set({ consumed_at: sql<Date>`coalesce(consumed_at, now())` })
      .where('id', '=', slot('id'))
      .where(sql<SqlBool>`(consumed_at is null or ${reusableRow})`)
      .where(notExpiredRow)
      .returning('id'));
    this.findConsumed = prepareQuery(db, db.selectFrom(table).select(['grant_id', 'consumed_at']).where('id', '=', slot('id')));
    this.destroyRow = prepareQuery(db, db.deleteFrom(table).where('id', '=', slot('id')));
    this.revokeRows = prepareQuery(db, db.deleteFrom(table).where('grant_id', '=', slot('grant_id')));
    // The memory adapter keeps one index entry per session uid and user code
    // and lets the newest save take it; the older entity stays findable by id.
    const release = (column: 'uid' | 'user_code') => prepareQuery(db, db.updateTable(table)
      .set({ [column]: null })
      .where(column, '=', slot('value'))
      .where('id', '<>', slot('id')));
    this.releaseUid = release('uid');
    this.releaseUserCode = release('user_code');
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const row = this.rowOf(id, payload, expiresIn);
    this.forgetGrant(id);
    if (this.groupedSave) return this.groupedSave(row);
    // Only sessions and device codes carry a secondary unique key, and a
    // conflict on it is rare (parallel first saves of one session, a reused
    // user code): the common save stays one statement.
    try {
      await this.upsertRow.one(row);
    } catch (err) {
      if (!isUniqueViolation(err) || (row.uid === null && row.user_code === null)) throw err;
      await this.upsertTakingKeys(row);
    }
  }

  /**
   * Release the secondary keys from whichever row holds them, then save, in
   * one transaction. A concurrent save that committed the same key after our
   * release makes us try again; each round lets at least one saver through.
   */
  private async upsertTakingKeys(row: ModelRow): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.db.transaction().execute(async (trx) => {
          if (row.uid !== null) await this.releaseUid({ value: row.uid, id: row.id }, trx);
          if (row.user_code !== null) await this.releaseUserCode({ value: row.user_code, id: row.id }, trx);
          await this.upsertRow.one(row, trx);
        });
        return;
      } catch (err) {
        if (attempt >= MAX_KEY_TAKEOVERS || !isUniqueViolation(err)) throw err;
      }
    }
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
    const [row] = (await this.findBy[column]({ value })).rows;
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
    if ((await this.consumeRow({ id: key })).rows.length) return;
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
