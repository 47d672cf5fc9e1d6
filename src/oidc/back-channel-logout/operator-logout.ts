import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { findClientRow } from '../../clients/clients-repository.js';
import type { PrivateJwk } from '../keys/load-signing-keys.js';
import { findSessionAuthorizations } from './session-logout-repository.js';
import { postLogoutToken } from './post-logout-token.js';
import { signLogoutToken } from './sign-logout-token.js';

/** Clients an operator defined: their back-channel logout URI may be on the internal network. */
export const OPERATOR_SOURCES: ReadonlySet<string> = new Set(['code', 'cli']);

/** One logout token to send: the client, where, and the session it names. */
export interface PendingLogout {
  clientId: string;
  uri: string;
  alg: string;
  sid: string;
  accountId: string;
  /** A client that registered itself (or was made on the account pages): only globally routable addresses. */
  publicOnly: boolean;
}

export interface LogoutDelivery {
  delivered: string[];
  failed: Array<{ clientId: string; reason: string }>;
}

export interface OperatorLogoutDeps {
  db: Kysely<Database>;
  issuer: string;
  /** Loaded only when there is something to sign, so a user without such sessions needs no keys. */
  loadKeys: () => Promise<readonly PrivateJwk[]>;
  /** How long one relying party may take to answer. */
  timeoutMs?: number;
}

/** The back-channel logouts owed for an account's live sessions; read before they are deleted. */
export async function prepareBackChannelLogouts(db: Kysely<Database>, accountId: string): Promise<PendingLogout[]> {
  const pending: PendingLogout[] = [];
  for (const { clientId, sid } of await findSessionAuthorizations(db, accountId)) {
    const client = await findClientRow(db, clientId);
    const uri = client?.metadata.backchannel_logout_uri;
    if (!client?.active || typeof uri !== 'string') continue;
    const alg = typeof client.metadata.id_token_signed_response_alg === 'string' ? client.metadata.id_token_signed_response_alg : 'RS256';
    pending.push({ clientId, uri, alg, sid, accountId, publicOnly: !OPERATOR_SOURCES.has(client.source) });
  }
  return pending;
}


/**
 * OpenID Connect Back-Channel Logout 1.0 for sessions that end outside the
 * provider's /session/end: an operator disabling or deleting a user from the
 * CLI. The CLI signs the logout tokens itself with the stored keys (see
 * sign-logout-token.ts) and sends them at once, so relying parties log the
 * person out whether or not a server is running; every client is tried and
 * failures are reported, never retried silently.
 */
export async function sendBackChannelLogouts(deps: OperatorLogoutDeps, pending: readonly PendingLogout[]): Promise<LogoutDelivery> {
  const result: LogoutDelivery = { delivered: [], failed: [] };
  if (pending.length === 0) return result;
  const keys = await deps.loadKeys();
  await Promise.all(pending.map(async (logout) => {
    try {
      const token = await signLogoutToken({ issuer: deps.issuer, clientId: logout.clientId, accountId: logout.accountId, sid: logout.sid, alg: logout.alg, keys });
      const status = await postLogoutToken(logout.uri, token, { publicOnly: logout.publicOnly, timeoutMs: deps.timeoutMs ?? 5000 });
      // Back-Channel Logout §2.8: 200 on success (oidc-provider accepts 204 too).
      if (status !== 200 && status !== 204) throw new Error(`answered ${status}`);
      result.delivered.push(logout.clientId);
    } catch (err) {
      result.failed.push({ clientId: logout.clientId, reason: err instanceof Error ? err.message : String(err) });
    }
  }));
  return result;
}
