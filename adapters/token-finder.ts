import { sql, type Kysely } from 'kysely';
import { MODEL_TABLES, type Database } from '../src/db/schema.js';
import type { RequestScope } from './kysely-client-adapter.js';
import { createGroupReads } from './group-reads.js';
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
 * Token lookups, grouped. Introspection without a hint looks a token up as
 * an access token, a client-credentials token and a refresh token at once
 * (oidc-provider lib/helpers/token_find.js), and every token use then loads
 * the token's grant (lib/shared/access_token.js, lib/actions/introspection.js,
 * lib/actions/grants/refresh_token.js): four round trips per request where
 * the baseline makes none, and on loopback each round trip costs the server
 * more CPU than the rest of the request.
 *
 * So lookups leave as group reads, the way group-commit.ts writes: the first
 * goes at once (after the current turn of the event loop, which gathers the
 * three lookups of one introspection), and lookups that arrive while a
 * statement is in flight leave together in the next one. One statement reads
 * every asked-for id from every asked-for table (UNION ALL of `id = any(…)`),
 * and each row brings its grant along (LEFT JOIN), kept for the grant lookup
 * that follows in the same request (takeGrant).
 *
 * Every read still happens after its request asked and before it answers.
 * Reading the grant with its token is reading it a moment earlier than the
 * provider would: a revocation committed in between is one that committed
 * after this request read its token, an order any concurrent request may see.
 */
export class TokenFinder {
  private readonly enqueue = createGroupReads<Pending>((batch) => this.read(batch));
  private readonly statements = new Map<string, PreparedQuery<FoundRow>>();
  // Grants read with a token, per request, each handed out once.
  private readonly grants = new WeakMap<object, Map<string, StoredRow | null>>();

  constructor(private readonly db: Kysely<Database>, private readonly scope: RequestScope) {}

  find(model: TokenModel, key: string): Promise<StoredRow | undefined> {
    return new Promise((resolve, reject) => { this.enqueue({ model, key, request: this.scope(), resolve, reject }); });
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

  private async read(batch: Pending[]): Promise<void> {
    const models = [...new Set(batch.map((entry) => entry.model))].sort();
    const keys = [...new Set(batch.map((entry) => entry.key))];
    const { rows } = await this.statement(models)({ ids: keys });
    const found = new Map(rows.map((row) => [`${row.model} ${row.id}`, row]));
    // Callers complete the payload in place (stored-payload.ts): a token asked
    // for by several requests (or twice) is handed out as a copy after the first.
    const handed = new Set<string>();
    const grantsHanded = new Set<string>();
    for (const entry of batch) {
      const name = `${entry.model} ${entry.key}`;
      const row = found.get(name);
      if (row) this.prime(entry.request, row, grantsHanded);
      const payload = row && handed.has(name) ? structuredClone(row.payload) : row?.payload;
      entry.resolve(row && { id: row.id, payload, consumed_at: row.consumed_at, reusable: row.reusable });
      handed.add(name);
    }
  }

  private prime(request: object | undefined, row: FoundRow, handed: Set<string>): void {
    if (!request || row.grant_id === null) return;
    let primed = this.grants.get(request);
    if (!primed) this.grants.set(request, primed = new Map());
    // One grant may come with the tokens of several requests: a copy after the first.
    const payload = handed.has(row.grant_id) ? structuredClone(row.grant_payload) : row.grant_payload;
    handed.add(row.grant_id);
    primed.set(row.grant_id, row.grant_payload === null ? null : { id: row.grant_id, payload, consumed_at: null, reusable: null });
  }

  private statement(models: readonly TokenModel[]): PreparedQuery<FoundRow> {
    const name = models.join(',');
    let prepared = this.statements.get(name);
    if (!prepared) {
      const parts = models.map((model) => sql`select ${sql.lit(model)} as model, t.id, t.payload, t.consumed_at,
          ${withinLeeway('t')} as reusable, t.grant_id, g.payload as grant_payload
        from ${sql.table(MODEL_TABLES[model])} as t
        left join oidc_grants as g on g.id = t.grant_id and ${notExpired('g')}
        where t.id = any(${slot('ids')}::text[]) and ${notExpired('t')}`);
      const query = sql<FoundRow>`${sql.join(parts, sql` union all `)}`;
      prepared = prepareQuery(this.db, { compile: () => query.compile(this.db) });
      this.statements.set(name, prepared);
    }
    return prepared;
  }
}
