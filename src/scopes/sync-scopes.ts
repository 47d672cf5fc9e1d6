import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { API_SCOPE_CATALOG, SCOPE_CATALOG, type ScopeDefinition } from './scope-catalog.js';
import { upsertScopes } from './scopes-repository.js';

/**
 * Writes the scope catalog (OpenID Connect scopes and the API-only scopes of
 * resource-servers.config.ts) into the `scopes` table at boot so operators can
 * query it; idempotent, safe when several instances start at once. Rows not in
 * the catalog are left alone (they may come from elsewhere).
 */
export async function syncScopes(db: Kysely<Database>, catalog: readonly ScopeDefinition[] = [...SCOPE_CATALOG, ...API_SCOPE_CATALOG]): Promise<void> {
  await upsertScopes(db, catalog);
}
