import { sql, type Kysely } from 'kysely';
import type { Database, ModelKeyColumns, ModelTableName } from '../src/db/schema.js';
import { isUniqueViolation } from '../src/db/unique-violation.js';
import { prepareQuery, slot, type PreparedQuery, type QueryRunner } from './prepared-query.js';

/** One entity as the oidc_* tables store it; the payload is JSON text, serialised once. */
export interface ModelRow extends ModelKeyColumns {
  payload: string;
  /** Seconds from now; NULL: no expiry. */
  expires_in: number | null;
  /** Epoch seconds; NULL: not consumed. */
  consumed: number | null;
}

const FIELDS = ['id', 'grant_id', 'uid', 'user_code', 'client_id', 'account_id', 'payload', 'expires_in', 'consumed'] as const;

export interface ModelUpsert {
  one(row: ModelRow, on?: QueryRunner): Promise<void>;
  /**
   * A save that may take a session uid or a user code from an older row (the
   * memory adapter keeps one index entry per uid and user code and lets the
   * newest save take it; the older entity stays findable by id).
   */
  taking(row: ModelRow): Promise<void>;
  /** Several rows with distinct ids in one INSERT … ON CONFLICT statement. */
  many(rows: readonly ModelRow[]): Promise<void>;
}

/**
 * INSERT … ON CONFLICT (id) DO UPDATE over one oidc_* table, for one row or
 * for n rows at once (group-commit.ts). Each shape is compiled once
 * (prepared-query.ts); a statement of n rows binds `<field>_<i>` slots.
 */
export function createModelUpsert(db: Kysely<Database>, table: ModelTableName, secondaryKeys = false): ModelUpsert {
  const statement = (count: number) => prepareQuery(db, db.insertInto(table).values(Array.from({ length: count }, (_, i) => ({
    id: slot(`id_${i}`),
    grant_id: slot(`grant_id_${i}`),
    uid: slot(`uid_${i}`),
    user_code: slot(`user_code_${i}`),
    client_id: slot(`client_id_${i}`),
    account_id: slot(`account_id_${i}`),
    payload: slot(`payload_${i}`),
    // NULL in, NULL out: no expiry, not consumed.
    expires_at: sql<Date>`now() + ${slot(`expires_in_${i}`)} * interval '1 second'`,
    consumed_at: sql<Date>`to_timestamp(${slot(`consumed_${i}`)})`,
  }))).onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
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
  const shapes = new Map<number, PreparedQuery<unknown>>();
  const shape = (count: number) => {
    let prepared = shapes.get(count);
    if (!prepared) shapes.set(count, prepared = statement(count));
    return prepared;
  };
  const bind = (rows: readonly ModelRow[]) => {
    const values: Record<string, unknown> = {};
    rows.forEach((row, i) => {
      for (const field of FIELDS) values[`${field}_${i}`] = row[field];
    });
    return values;
  };
  const one = async (row: ModelRow, on?: QueryRunner) => { await shape(1)(bind([row]), on); };
  const takeKeys = secondaryKeys ? createKeyTakeover(db, table, one) : undefined;
  return {
    one,
    async taking(row) {
      // A conflict on a secondary key is rare (parallel first saves of one
      // session, a reused user code): the common save stays one statement.
      try {
        await one(row);
      } catch (err) {
        if (!takeKeys || !isUniqueViolation(err) || (row.uid === null && row.user_code === null)) throw err;
        await takeKeys(row);
      }
    },
    async many(rows) {
      await shape(rows.length)(bind(rows));
    },
  };
}

// Bounded: more parallel first saves of one session than this is not a browser.
const MAX_KEY_TAKEOVERS = 20;

/**
 * Release the secondary keys from whichever row holds them, then save, in
 * one transaction. A concurrent save that committed the same key after our
 * release makes us try again; each round lets at least one saver through.
 */
function createKeyTakeover(db: Kysely<Database>, table: ModelTableName, save: (row: ModelRow, on?: QueryRunner) => Promise<void>) {
  const release = (column: 'uid' | 'user_code') => prepareQuery(db, db.updateTable(table)
    .set({ [column]: null })
    .where(column, '=', slot('value'))
    .where('id', '<>', slot('id')));
  const releaseUid = release('uid');
  const releaseUserCode = release('user_code');
  return async (row: ModelRow): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await db.transaction().execute(async (trx) => {
          if (row.uid !== null) await releaseUid({ value: row.uid, id: row.id }, trx);
          if (row.user_code !== null) await releaseUserCode({ value: row.user_code, id: row.id }, trx);
          await save(row, trx);
        });
        return;
      } catch (err) {
        if (attempt >= MAX_KEY_TAKEOVERS || !isUniqueViolation(err)) throw err;
      }
    }
  };
}
