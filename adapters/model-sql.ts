import { sql, type RawBuilder, type SqlBool } from 'kysely';

// SQL fragments every oidc_* lookup shares (kysely-adapter.ts,
// token-finder.ts), written once for a bare table or a table alias.

/** `alias.column`, or the bare column without an alias. */
function column(alias: string | undefined, name: string) {
  return alias ? sql.ref(`${alias}.${name}`) : sql.ref(name);
}

// Rows past expires_at are invisible, as entries past their TTL are in the
// memory adapter; deleting them is left to the batched cleanup (src/jobs).
export function notExpired(alias?: string): RawBuilder<SqlBool> {
  const expiresAt = column(alias, 'expires_at');
  return sql<SqlBool>`(${expiresAt} is null or ${expiresAt} > now())`;
}

// A refresh token's reuse leeway (refresh-reuse-leeway.ts) travels in its
// stored payload under a key oidc-provider never uses, read in SQL so that
// find() and consume() stay one statement each. Consumed longer ago than the
// leeway (or without one) is consumed; within it, the entity reads as
// unconsumed and may be consumed again. Without a leeway no time is compared
// at all: another transaction's now() may be later than ours, and
// `consumed_at > now()` would then let the loser of a race through.
export const LEEWAY_KEY = '$reuseLeeway';

export function withinLeeway(alias?: string): RawBuilder<SqlBool> {
  const seconds = sql<number>`coalesce((${column(alias, 'payload')}->>${sql.lit(LEEWAY_KEY)})::int, 0)`;
  return sql<SqlBool>`(${seconds} > 0 and ${column(alias, 'consumed_at')} > now() - ${seconds} * interval '1 second')`;
}
