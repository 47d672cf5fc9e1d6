import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../observability/logger.js';
import { insertAuditEvents, type NewAuditEventRow } from './audit-repository.js';

/**
 * Every event name the audit trail knows; operators query by these. Every
 * change a person or an operator makes writes one (docs list them with what
 * writes each; test/audit/every-change-audited.test.ts checks them).
 */
export const AUDIT_EVENTS = [
  'login.success', 'login.failure', 'login.locked', 'session.ended',
  'consent.granted', 'consent.denied',
  'token.issued', 'token.revoked', 'grant.revoked',
  'refresh_token.reuse_detected', 'authorization_code.replay_detected',
  'user.created', 'user.changed', 'user.disabled', 'user.deleted',
  'client.created', 'client.changed', 'client.disabled', 'client.deleted',
  'keys.rotated',
  // Strong authentication: details.factor is passkey, totp or recovery_code.
  'mfa.enrolled', 'mfa.removed', 'mfa.used', 'mfa.failure', 'mfa.locked', 'mfa.reset',
  // Account lifecycle by e-mail (src/accounts/lifecycle/): details.user_id, never a link or token.
  'password_reset.requested', 'password_reset.completed', 'email.verification_sent', 'email.verified',
  'user.invited', 'invitation.accepted', 'user.signed_up',
] as const;

export type AuditEventName = (typeof AUDIT_EVENTS)[number];

export interface AuditEntry {
  event: AuditEventName;
  actor?: string | null;
  clientId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditLog {
  /** Resolves once the event is stored; a failure is logged, never thrown (the audit trail must not break a login). */
  record(entry: AuditEntry): Promise<void>;
}

// Belt and braces: whatever a caller puts in details, values under these names
// never reach the table (tokens, codes, secrets, passwords, assertions).
const SECRET_NAME = /secret|password|token|code|assertion|verifier|authorization|cookie|jwt|dpop|otp/i;

function scrubDetails(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details)
    .filter(([key, value]) => !SECRET_NAME.test(key) || typeof value === 'number' || typeof value === 'boolean' || key === 'grant_type')
    .map(([key, value]) => [key, typeof value === 'string' ? value.slice(0, 512) : value]));
}

function clip(value: string | null | undefined, max: number): string | null {
  return typeof value === 'string' && value ? value.slice(0, max) : null;
}

const MAX_BATCH = 500;

/**
 * Events are written by group commit: the first event goes out at once, and
 * whatever arrives while that INSERT is in flight leaves together in the next
 * one. A quiet server writes each event immediately; a busy one spends one
 * round trip per batch instead of one per token issued.
 */
export function createAuditLog({ db, logger }: { db: Kysely<Database>; logger: Logger }): AuditLog {
  const queue: Array<{ row: NewAuditEventRow; done: () => void }> = [];
  let writing: Promise<void> | undefined;

  async function drain(): Promise<void> {
    while (queue.length) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await insertAuditEvents(db, batch.map(({ row }) => row));
      } catch (err) {
        logger.error({ err, events: batch.map(({ row }) => row.event) }, 'writing audit events failed');
      }
      for (const { done } of batch) done();
    }
    writing = undefined;
  }

  return {
    record(entry) {
      const row: NewAuditEventRow = {
        event: entry.event,
        actor: clip(entry.actor, 256),
        clientId: clip(entry.clientId, 256),
        ip: clip(entry.ip, 64),
        userAgent: clip(entry.userAgent, 512),
        details: scrubDetails(entry.details ?? {}),
      };
      const written = new Promise<void>((resolve) => { queue.push({ row, done: resolve }); });
      writing ??= drain();
      return written;
    },
  };
}
