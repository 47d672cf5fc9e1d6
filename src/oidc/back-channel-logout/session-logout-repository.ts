import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** One application signed in within one session: the `sid` its ID tokens carry. */
export interface SessionAuthorization {
  clientId: string;
  sid: string;
}

/**
 * The applications each live session of an account has signed in, read from
 * oidc-provider's Session payload (`authorizations[clientId].sid`, what
 * Session#sidFor returns), before the sessions are deleted.
 */
export async function findSessionAuthorizations(db: Executor, accountId: string): Promise<SessionAuthorization[]> {
  const rows = await db.selectFrom('oidc_sessions').select('payload')
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
    .execute();
  return rows.flatMap(({ payload }) => {
    const authorizations = payload.authorizations;
    if (!authorizations || typeof authorizations !== 'object') return [];
    return Object.entries(authorizations as Record<string, { sid?: unknown }>)
      .filter(([, value]) => typeof value?.sid === 'string')
      .map(([clientId, value]) => ({ clientId, sid: value.sid as string }));
  });
}
