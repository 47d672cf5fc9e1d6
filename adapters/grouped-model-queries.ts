import { sql, type Kysely } from 'kysely';
import type { Database, ModelTableName } from '../src/db/schema.js';
import { createGroupReads } from './group-reads.js';
import { notExpired, withinLeeway } from './model-sql.js';
import { prepareQuery, slot } from './prepared-query.js';
import type { StoredRow } from './token-finder.js';

interface Entry<T> {
  value: string;
  resolve(result: T): void;
  reject(error: unknown): void;
}

/**
 * Lookups of one oidc_* table by one column (id, a session's uid, a device
 * code's user code), grouped across concurrent requests (group-reads.ts):
 * one `= any(…)` statement for every value asked while the previous one was
 * in flight. A code redemption, for one, looks up its grant and its session
 * (lib/helpers/grant_source.js, lib/models/token_helpers.js).
 */
export function createGroupedFind(db: Kysely<Database>, table: ModelTableName, column: 'id' | 'uid' | 'user_code'): (value: string) => Promise<StoredRow | undefined> {
  const statement = prepareQuery<Database, StoredRow & { key: string }>(db, { compile: () => sql<StoredRow & { key: string }>`
    select id, payload, consumed_at, ${withinLeeway()} as reusable, ${sql.ref(column)} as key
    from ${sql.table(table)} where ${sql.ref(column)} = any(${slot('values')}::text[]) and ${notExpired()}`.compile(db) });
  const enqueue = createGroupReads<Entry<StoredRow | undefined>>(async (batch) => {
    const { rows } = await statement({ values: [...new Set(batch.map((entry) => entry.value))] });
    const found = new Map(rows.map(({ key, ...row }) => [key, row]));
    // Callers complete the payload in place (stored-payload.ts): a row asked for twice is handed out as a copy the second time.
    const handed = new Set<string>();
    for (const entry of batch) {
      const row = found.get(entry.value);
      entry.resolve(row && (handed.has(entry.value) ? { ...row, payload: structuredClone(row.payload) } : row));
      handed.add(entry.value);
    }
  });
  return (value) => new Promise((resolve, reject) => { enqueue({ value, resolve, reject }); });
}

/**
 * consume() grouped across concurrent requests: one conditional UPDATE for
 * the ids of several callers, each id in its own row's WHERE (not yet
 * consumed, or within its reuse leeway, and not expired), so Postgres row
 * locking still lets exactly one of any number of concurrent consumers of
 * one id win, across instances. Two consumes of one id never share a
 * statement. Resolves true for a caller whose row this statement consumed.
 */
export function createGroupedConsume(db: Kysely<Database>, table: ModelTableName): (id: string) => Promise<boolean> {
  const statement = prepareQuery<Database, { id: string }>(db, { compile: () => sql<{ id: string }>`
    update ${sql.table(table)} set consumed_at = coalesce(consumed_at, now())
    where id = any(${slot('ids')}::text[]) and (consumed_at is null or ${withinLeeway()}) and ${notExpired()}
    returning id`.compile(db) });
  const enqueue = createGroupReads<Entry<boolean>>(async (batch) => {
    const { rows } = await statement({ ids: batch.map((entry) => entry.value) });
    const won = new Set(rows.map((row) => row.id));
    for (const entry of batch) entry.resolve(won.has(entry.value));
    // Several in flight: a second consume of an id already in flight goes to
    // Postgres at once and waits on the row lock there, as it would ungrouped.
  }, { keyOf: (entry) => entry.value, maxInFlight: 4 });
  return (id) => new Promise((resolve, reject) => { enqueue({ value: id, resolve, reject }); });
}
