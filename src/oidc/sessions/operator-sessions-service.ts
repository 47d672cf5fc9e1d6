import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { revokeAccountEntities } from '../../../adapters/revoke-entities.js';
import { storageId } from '../../../adapters/storage-id.js';
import { prepareBackChannelLogouts, sendBackChannelLogouts, type LogoutDelivery, type OperatorLogoutDeps } from '../back-channel-logout/operator-logout.js';
import * as sessions from './operator-sessions-repository.js';

/** A live sign-in session, as an operator sees it (no cookie value, no token). */
export interface SessionSummary {
  /** The stored id (a hash of the cookie value, adapters/storage-id.ts): names the session, opens nothing. */
  id: string;
  accountId: string;
  username: string | null;
  /** When the person signed in (loginTs), when the session was last saved, when it ends. */
  signedInAt: Date | null;
  lastActiveAt: Date;
  expiresAt: Date | null;
  /** RFC 8176 methods of the sign-in (pwd, otp, hwk, …). */
  methods: string[];
  /** The apps signed in within this session (its authorizations). */
  clientIds: string[];
  /** The operator's own browser session. */
  current: boolean;
}

export interface AppGrant {
  id: string;
  accountId: string;
  username: string | null;
  scopes: string[];
  grantedAt: Date;
  updatedAt: Date;
}

export interface OperatorSessions {
  listForPerson(accountId: string, currentSessionId?: string): Promise<SessionSummary[]>;
  listLive(page: { after?: string; limit?: number }, currentSessionId?: string): Promise<{ sessions: SessionSummary[]; next?: string }>;
  countLive(): Promise<number>;
  grantsForApp(clientId: string, page: { after?: string; limit?: number }): Promise<{ grants: AppGrant[]; next?: string }>;
  /** Ends one session; its apps with a back-channel logout URI are told (OpenID Connect Back-Channel Logout 1.0). */
  endSession(accountId: string, sessionId: string): Promise<{ ended: boolean; delivery: LogoutDelivery }>;
  /** Ends every session and revokes every grant and token of the account, as disabling does, and tells the apps. */
  signOutEverywhere(accountId: string): Promise<{ revoked: number; delivery: LogoutDelivery }>;
  /**
   * Runs `change` (disable, delete, second-factor reset: each ends every
   * session) between reading which apps the sessions signed in to and
   * telling them; what `change` returns comes back with who was told.
   */
  withBackChannelLogout<T>(accountId: string, change: () => Promise<T>): Promise<{ result: T; delivery: LogoutDelivery }>;
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

function toSummary(row: sessions.SessionRow, currentStoredId: string | undefined): SessionSummary {
  const { payload } = row;
  const authorizations = payload.authorizations && typeof payload.authorizations === 'object' ? Object.keys(payload.authorizations) : [];
  return {
    id: row.id,
    accountId: row.accountId,
    username: row.username,
    signedInAt: typeof payload.loginTs === 'number' ? new Date(payload.loginTs * 1000) : null,
    lastActiveAt: row.updatedAt,
    expiresAt: row.expiresAt,
    methods: strings(payload.amr),
    clientIds: authorizations,
    current: row.id === currentStoredId,
  };
}

function sidsOf(row: sessions.SessionRow): Set<string> {
  const authorizations = (row.payload.authorizations ?? {}) as Record<string, { sid?: unknown }>;
  return new Set(Object.values(authorizations).map((value) => value?.sid).filter((sid): sid is string => typeof sid === 'string'));
}

function scopesOf(payload: Record<string, unknown>): string[] {
  const openid = payload.openid as { scope?: unknown } | undefined;
  const scopes = typeof openid?.scope === 'string' ? openid.scope.split(' ') : [];
  for (const scope of Object.values((payload.resources ?? {}) as Record<string, unknown>)) if (typeof scope === 'string') scopes.push(...scope.split(' '));
  return [...new Set(scopes.filter(Boolean))];
}

/** The operator console's view of sessions and grants; `logout` signs and sends back-channel logout tokens. */
export function createOperatorSessions({ db, logout }: { db: Kysely<Database>; logout: Omit<OperatorLogoutDeps, 'db'> }): OperatorSessions {
  const stored = (sessionId: string | undefined) => (sessionId ? storageId('Session', sessionId) : undefined);
  const send = (pending: Parameters<typeof sendBackChannelLogouts>[1]) => sendBackChannelLogouts({ db, ...logout }, pending);

  async function withBackChannelLogout<T>(accountId: string, change: () => Promise<T>) {
    const pending = await prepareBackChannelLogouts(db, accountId);
    const result = await change();
    return { result, delivery: await send(pending) };
  }

  return {
    async listForPerson(accountId, currentSessionId) {
      const current = stored(currentSessionId);
      return (await sessions.findSessionsByAccount(db, accountId)).map((row) => toSummary(row, current));
    },
    async listLive({ after, limit = 50 }, currentSessionId) {
      const rows = await sessions.findLiveSessions(db, { after, limit: limit + 1 });
      const page = rows.slice(0, limit).map((row) => toSummary(row, stored(currentSessionId)));
      return rows.length > limit ? { sessions: page, next: page[page.length - 1]!.id } : { sessions: page };
    },
    countLive: () => sessions.countLiveSessions(db),
    async grantsForApp(clientId, { after, limit = 50 }) {
      const rows = await sessions.findGrantsByClient(db, clientId, { after, limit: limit + 1 });
      const grants = rows.slice(0, limit).map((row) => ({
        id: row.id, accountId: row.accountId, username: row.username, scopes: scopesOf(row.payload), grantedAt: row.createdAt, updatedAt: row.updatedAt,
      }));
      return rows.length > limit ? { grants, next: grants[grants.length - 1]!.id } : { grants };
    },
    async endSession(accountId, sessionId) {
      const row = await sessions.findSession(db, accountId, sessionId);
      if (!row) return { ended: false, delivery: { delivered: [], failed: [] } };
      const sids = sidsOf(row);
      const pending = (await prepareBackChannelLogouts(db, accountId)).filter((logout) => sids.has(logout.sid));
      const ended = await sessions.deleteSession(db, accountId, sessionId);
      return { ended, delivery: ended ? await send(pending) : { delivered: [], failed: [] } };
    },
    async signOutEverywhere(accountId) {
      const { result, delivery } = await withBackChannelLogout(accountId, () => db.transaction().execute((trx) => revokeAccountEntities(trx, accountId)));
      return { revoked: result, delivery };
    },
    withBackChannelLogout,
  };
}
