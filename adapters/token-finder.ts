import { sql, type Kysely } from 'kysely';
import { MODEL_TABLES, type Database } from '../src/db/schema.js';
import type { RequestScope } from './kysely-client-adapter.js';
import { notExpired, withinLeeway } from './model-sql.js';
import { prepareQuery, slot, type PreparedQuery } from './prepared-query.js';

/** The models a bearer or refresh token can be; oidc-provider looks a token up in several at once. */
export const TOKEN_MODELS = ['AccessToken', 'ClientCredentials', 'RefreshToken'] as const;
export type TokenModel = (typeof TOKEN_MODELS)[number];

/** A row as KyselyModelAdapter reads it. */
export interface StoredRow {
  id: string;
  payload: unknown;
  consumed_at: Date | null;
  reusable: boolean | null;
}

type FoundRow = StoredRow & { model: TokenModel; grant_id: string | null; grant_payload: unknown };

interface Pending {
  model: TokenModel;
  key: string;
  /** The request that asked (oidc-provider's Provider.ctx), for its grant. */
  request: object | undefined;
  resolve(row: StoredRow | undefined): void;
  reject(error: unknown): void;
}

/**
 * Token lookups in one statement each. Introspection without a hint looks a
 * token up as an access token, a client-credentials token and a refresh
 * token at once (oidc-provider lib/helpers/token_find.js), and every token
 * use then loads the token's grant (lib/shared/access_token.js,
 * lib/actions/introspection.js, lib/actions/grants/refresh_token.js): four
 * round trips where one will do. Lookups of one token issued in the same
 * turn of the event loop leave as one UNION ALL, and each row brings its
 * grant along (LEFT JOIN), kept for the grant lookup that follows in the same
 * request (takeGrant).
 *
 * Reading the grant with its token is reading it a moment earlier than the
 * provider would: a revocation committed in between is one that committed
 * after this request read its token, an order any concurrent request may see.
 */
export class TokenFinder {
  private pending: Pending[] = [];
  private readonly statements = new Map<string, PreparedQuery<FoundRow>>();
  // Grants read with a token, per request, each handed out once.
  private readonly grants = new WeakMap<object, Map<string, StoredRow | null>>();

  constructor(private readonly db: Kysely<Database>, private readonly scope: RequestScope) {}

  find(model: TokenModel, key: string): Promise<StoredRow | undefined> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) queueMicrotask(() => { void this.flush(); });
      this.pending.push({ model, key, request: this.scope(), resolve, reject });
    });
  }

  /** The grant read with a token earlier in this request: the row, null (none live), or undefined (not read). */
  takeGrant(grantId: string): StoredRow | null | undefined {
    const request = this.scope();
    const primed = request ? this.grants.get(request) : undefined;
    if (!primed?.has(grantId)) return undefined;
    const row = primed.get(grantId) ?? null;
    primed.delete(grantId);
    return row;
  }

  /** The grant changed in this request: what was read with the token no longer holds. */
  forgetGrant(grantId: string): void {
    const request = this.scope();
    if (request) this.grants.get(request)?.delete(grantId);
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const byKey = new Map<string, Pending[]>();
    for (const entry of batch) byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry]);
    await Promise.all([...byKey].map(async ([key, entries]) => {
      try {
        const models = [...new Set(entries.map((entry) => entry.model))].sort();
        const { rows } = await this.statement(models)({ id: key });
        for (const entry of entries) {
          const row = rows.find((found) => found.model === entry.model);
          if (row) this.prime(entry.request, row);
          entry.resolve(row && { id: row.id, payload: row.payload, consumed_at: row.consumed_at, reusable: row.reusable });
        }
      } catch (error) {
        for (const entry of entries) entry.reject(error);
      }
    }));
  }

  private prime(request: object | undefined, row: FoundRow): void {
    if (!request || row.grant_id === null) return;
    let primed = this.grants.get(request);
    if (!primed) this.grants.set(request, primed = new Map());
    primed.set(row.grant_id, row.grant_payload === null ? null : { id: row.grant_id, payload: row.grant_payload, consumed_at: null, reusable: null });
  }

  private statement(models: readonly TokenModel[]): PreparedQuery<FoundRow> {
    const name = models.join(',');
    let prepared = this.statements.get(name);
    if (!prepared) {
      const parts = models.map((model) => sql`select ${sql.lit(model)} as model, t.id, t.payload, t.consumed_at,
          ${withinLeeway('t')} as reusable, t.grant_id, g.payload as grant_payload
        from ${sql.table(MODEL_TABLES[model])} as t
        left join oidc_grants as g on g.id = t.grant_id and ${notExpired('g')}
        where t.id = ${slot('id')} and ${notExpired('t')}`);
      const query = sql<FoundRow>`${sql.join(parts, sql` union all `)}`;
      prepared = prepareQuery(this.db, { compile: () => query.compile(this.db) });
      this.statements.set(name, prepared);
    }
    return prepared;
  }
}
