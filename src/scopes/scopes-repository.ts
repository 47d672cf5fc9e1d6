import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ScopeDefinition } from './scope-catalog.js';

type Executor = Kysely<Database> | Transaction<Database>;

export interface StoredScope {
  name: string;
  description: string;
  claims: string[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Inserts new scopes and refreshes changed ones in one statement; rows that
 * already match keep their updated_at, so running it at every boot is a no-op.
 */
export async function upsertScopes(db: Executor, scopes: readonly ScopeDefinition[]): Promise<void> {
  if (scopes.length === 0) return;
  await db
    .insertInto('scopes')
    .values(scopes.map((scope) => ({ name: scope.name, description: scope.description, claims: JSON.stringify(scope.claims) })))
    .onConflict((oc) => oc
      .column('name')
      .doUpdateSet((eb) => ({
        description: eb.ref('excluded.description'),
        claims: eb.ref('excluded.claims'),
        updated_at: sql<Date>`now()`,
      }))
      .where(sql<boolean>`(scopes.description, scopes.claims) is distinct from (excluded.description, excluded.claims)`))
    .execute();
}

export async function listScopes(db: Executor): Promise<StoredScope[]> {
  const rows = await db.selectFrom('scopes').selectAll().orderBy('name').execute();
  return rows.map((row) => ({
    name: row.name, description: row.description, claims: row.claims, createdAt: row.created_at, updatedAt: row.updated_at,
  }));
}
