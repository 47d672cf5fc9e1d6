import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { MODEL_TABLES, type Database, type ModelName } from '../src/db/schema.js';
import { AlreadyConsumedError, ConsumeTargetMissingError, NotRedeemableError } from './already-consumed-error.js';
import type { AdapterFactory, AdapterPayload, ClientSecretCodec, OidcAdapter } from './adapter-types.js';
import { isDeviceCodeHandle, storageId, userCodeDigest } from './hashed-id.js';
import type { ClientRowCache } from './client-row-cache.js';
import { KyselyClientAdapter, type RequestScope } from './kysely-client-adapter.js';
import { prepareQuery, slot } from './prepared-query.js';
import { noReuseLeeway, type ReuseLeeway } from './refresh-reuse-leeway.js';
import { consumedEpoch, fromStoredPayload, toStoredPayload, type Lookup } from './stored-payload.js';

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

// A refresh token's reuse leeway (refresh-reuse-leeway.ts) travels in its
// stored payload under a key oidc-provider never uses, read in SQL so that
// find() and consume() stay one statement each. Consumed longer ago than the
// leeway (or without one) is consumed; within it, the entity reads as
// unconsumed and may be consumed again. Without a leeway no time is compared
// at all: another transaction's now() may be later than ours, and
// `consumed_at > now()` would then let the loser of a race through.
const LEEWAY_KEY = '$reuseLeeway';
const leewaySeconds = sql<number>`coalesce((payload->>${sql.lit(LEEWAY_KEY)})::int, 0)`;
const withinLeeway = sql<SqlBool>`(${leewaySeconds} > 0 and consumed_at > now() - ${leewaySeconds} * interval '1 second')`;

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

// Bounded: more parallel first saves of one session than this is not a browser.
const MAX_KEY_TAKEOVERS = 20;

type Row = { id: string; payload: unknown; consumed_at: Date | null; reusable: boolean | null };

class KyselyModelAdapter implements OidcAdapter {
  // Compiled once, run with new values (prepared-query.ts): the same SQL as
  // the builder calls they were written as.
  private readonly upsertRow;
  private readonly findBy;
  private readonly consumeRow;
  private readonly findConsumed;
  private readonly destroyRow;
  private readonly revokeRows;
  private readonly releaseUid;
  private readonly releaseUserCode;

  constructor(private readonly db: Kysely<Database>, private readonly model: ModelName, private readonly reuseLeeway: ReuseLeeway) {
    const table = MODEL_TABLES[model];
    this.upsertRow = prepareQuery(db, db.insertInto(table).values({
      id: slot('id'),
      grant_id: slot('grant_id'),
      uid: slot('uid'),
      user_code: slot('user_code'),
      client_id: slot('client_id'),
      account_id: slot('account_id'),
      payload: slot('payload'),
      // NULL in, NULL out: no expiry, not consumed.
      expires_at: sql<Date>`now() + ${slot('expires_in')} * interval '1 second'`,
      consumed_at: sql<Date>`to_timestamp(${slot('consumed')})`,
    }).onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
      grant_id: eb.ref('excluded.grant_id'),
      uid: eb.ref('excluded.uid'),
      // A device code saved again after a lookup by id comes without its user
      // code (stored-payload.ts): the index stays.
      user_code: sql<string>`coalesce(excluded.user_code, ${sql.ref(`${table}.user_code`)})`,
      client_id: eb.ref('excluded.client_id'),
      account_id: eb.ref('excluded.account_id'),
      payload: eb.ref('excluded.payload'),
      expires_at: eb.ref('excluded.expires_at'),
      // Saving a loaded entity again must never un-consume it (a replayed
      // code would become redeemable); poll-tracker columns are left alone.
      consumed_at: sql<Date>`coalesce(${sql.ref(`${table}.consumed_at`)}, excluded.consumed_at)`,
      updated_at: sql<Date>`now()`,
    }))));
    const findWhere = (column: 'id' | 'uid' | 'user_code') => prepareQuery<Database, Row>(db, db.selectFrom(table)
      .select(['id', 'payload', 'consumed_at', withinLeeway.as('reusable')])
      .where(column, '=', slot('value'))
      .where(notExpired));
    this.findBy = { id: findWhere('id'), uid: findWhere('uid'), user_code: findWhere('user_code') };
    // One conditional UPDATE: Postgres row locking lets exactly one of any
    // number of concurrent callers (on any instance) see consumed_at IS NULL;
    // within a reuse leeway every caller passes and the first time is kept.
    this.consumeRow = prepareQuery(db, db.updateTable(table)
      .set({ consumed_at: sql<Date>`coalesce(consumed_at, now())` })
      .where('id', '=', slot('id'))
      .where(sql<SqlBool>`(consumed_at is null or ${withinLeeway})`)
      .where(notExpired)
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
    // Only sessions and device codes carry a secondary unique key, and a
    // conflict on it is rare (parallel first saves of one session, a reused
    // user code): the common save stays one statement.
    try {
      await this.upsertRow(row);
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
  private async upsertTakingKeys(row: ReturnType<KyselyModelAdapter['rowOf']>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.db.transaction().execute(async (trx) => {
          if (row.uid !== null) await this.releaseUid({ value: row.uid, id: row.id }, trx);
          if (row.user_code !== null) await this.releaseUserCode({ value: row.user_code, id: row.id }, trx);
          await this.upsertRow(row, trx);
        });
        return;
      } catch (err) {
        if (attempt >= MAX_KEY_TAKEOVERS || !isUniqueViolation(err)) throw err;
      }
    }
  }

  private rowOf(id: string, payload: AdapterPayload, expiresIn: number | undefined) {
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
    return this.findWhere('id', storageId(this.model, id), () => ({ by: 'id', id }));
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
    if (!row) return undefined;
    const { [LEEWAY_KEY]: _leeway, ...stored } = row.payload as AdapterPayload;
    const consumed = row.consumed_at && !row.reusable ? epochSeconds(row.consumed_at) : undefined;
    return fromStoredPayload(this.model, stored, lookup(row.id), consumed);
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
    await this.destroyRow({ id: storageId(this.model, id) });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.revokeRows({ grant_id: grantId });
  }
}

function isTableModel(model: string): model is ModelName {
  return Object.hasOwn(MODEL_TABLES, model);
}

/** Adapters over the oidc_* tables and, for Client, the clients table. */
export function createKyselyAdapterFactory(
  db: Kysely<Database>, secrets: ClientSecretCodec, requestScope?: RequestScope, clientCache?: ClientRowCache, reuseLeeway: ReuseLeeway = noReuseLeeway,
): AdapterFactory {
  return (modelName) => {
    if (modelName === 'Client') return new KyselyClientAdapter(db, secrets, requestScope, clientCache);
    if (isTableModel(modelName)) return new KyselyModelAdapter(db, modelName, reuseLeeway);
    throw new Error(`no SQL table for oidc-provider model "${modelName}"; add a migration and a MODEL_TABLES entry`);
  };
}
