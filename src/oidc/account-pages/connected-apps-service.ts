import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { Database } from '../../db/schema.js';
import { revokeGrant } from '../grants/revoke-grant.js';
import { ACCOUNT_PAGES_CLIENT_ID } from './account-pages-client.js';
import { deleteOtherSessions, listGrantRowsByAccount, type GrantRow } from './account-grants-repository.js';

/**
 * One application a person has let in, as the account page lists it. The
 * provider makes a grant per sign-in session, so one app may hold several;
 * they are shown, and revoked, together.
 */
export interface ConnectedApp {
  grantIds: string[];
  clientId: string;
  clientName: string;
  logoUri?: string;
  scopes: string[];
  grantedAt: Date;
  updatedAt: Date;
}

export interface ConnectedAppsService {
  list(accountId: string): Promise<ConnectedApp[]>;
  /** Removes this account's grants to the client and every token issued under them; false when there were none. */
  revoke(accountId: string, clientId: string): Promise<boolean>;
  /** Ends every session of the account except `keepSessionId` (after a password change). */
  signOutOtherSessions(accountId: string, keepSessionId: string | undefined): Promise<number>;
}

function scopesOf(payload: Record<string, unknown>): string[] {
  const openid = payload.openid as { scope?: unknown } | undefined;
  const scopes = typeof openid?.scope === 'string' ? openid.scope.split(' ') : [];
  const resources = payload.resources as Record<string, unknown> | undefined;
  for (const scope of Object.values(resources ?? {})) if (typeof scope === 'string') scopes.push(...scope.split(' '));
  return [...new Set(scopes.filter(Boolean))];
}

export function createConnectedAppsService({ db, provider }: { db: Kysely<Database>; provider: Provider }): ConnectedAppsService {
  return {
    async list(accountId) {
      // The account area's own sign-in is not an app the person connected.
      const rows = (await listGrantRowsByAccount(db, accountId)).filter((row) => row.clientId && row.clientId !== ACCOUNT_PAGES_CLIENT_ID);
      const byClient = new Map<string, GrantRow[]>();
      for (const row of rows) byClient.set(row.clientId!, [...(byClient.get(row.clientId!) ?? []), row]);
      return Promise.all([...byClient].map(async ([clientId, grants]) => {
        const client = await provider.Client.find(clientId);
        return {
          grantIds: grants.map((grant) => grant.id),
          clientId,
          clientName: client?.clientName?.trim() || clientId,
          logoUri: client?.logoUri,
          scopes: [...new Set(grants.flatMap((grant) => scopesOf(grant.payload)))],
          grantedAt: new Date(Math.min(...grants.map((grant) => grant.createdAt.getTime()))),
          updatedAt: new Date(Math.max(...grants.map((grant) => grant.updatedAt.getTime()))),
        };
      }));
    },

    async revoke(accountId, clientId) {
      const grants = (await listGrantRowsByAccount(db, accountId)).filter((row) => row.clientId === clientId);
      // The same revocation a detected replay triggers: tokens and codes by grant id, then the grant.
      for (const grant of grants) await revokeGrant(provider, grant.id);
      return grants.length > 0;
    },

    signOutOtherSessions: (accountId, keepSessionId) => deleteOtherSessions(db, accountId, keepSessionId),
  };
}
