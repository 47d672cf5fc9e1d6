import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AccountMails } from '../../mail/account-mails.js';
import type { Logger } from '../../observability/logger.js';
import type { AccountService } from '../account-service.js';
import type { MailThrottle } from './mail-throttle.js';

/** The audit events the account lifecycle writes (src/audit/audit-log.ts AUDIT_EVENTS). */
export type LifecycleEvent =
  | 'password_reset.requested' | 'password_reset.completed'
  | 'email.verification_sent' | 'email.verified'
  | 'user.invited' | 'invitation.accepted' | 'user.signed_up';

/** The part of the audit log used here; the audit log itself fits (accounts do not import audit/). */
export interface LifecycleAudit {
  record(entry: {
    event: LifecycleEvent; actor?: string | null; clientId?: string | null; ip?: string | null; userAgent?: string | null; details?: Record<string, unknown>;
  }): Promise<void>;
}

/** Who asked and from where: a page (with the browser's address) or the CLI. */
export interface RequestOrigin {
  source: 'sign-in' | 'account' | 'cli' | 'admin';
  ip?: string | null;
  userAgent?: string | null;
  clientId?: string | null;
}

export type SignupMode = 'off' | 'open' | 'invite-only';

export interface LifecycleDeps {
  db: Kysely<Database>;
  accounts: AccountService;
  bcryptCost: number;
  issuer: string;
  mails: AccountMails;
  throttle: MailThrottle;
  linkTtlSeconds: number;
  invitationTtlSeconds: number;
  audit?: LifecycleAudit;
  logger: Logger;
}

/** Where each mailed link leads (the pages in interactions/ answer these paths). */
export const LINK_PATHS = {
  passwordReset: '/account/reset-password',
  verifyEmail: '/account/verify-email',
  invitation: '/account/invitation',
} as const;

export function linkTo(deps: Pick<LifecycleDeps, 'issuer'>, path: string, token: string): string {
  return `${deps.issuer}${path}?${new URLSearchParams({ token })}`;
}

/** Writes one lifecycle event, never throwing (AuditLog.record already logs its own failures). */
export async function recordEvent(deps: LifecycleDeps, origin: RequestOrigin, event: LifecycleEvent, actor: string | null, details: Record<string, unknown> = {}): Promise<void> {
  await deps.audit?.record({
    event, actor, clientId: origin.clientId ?? null, ip: origin.ip ?? null, userAgent: origin.userAgent ?? null, details: { source: origin.source, ...details },
  });
}

/** A mail on its way: the CLI waits for it, a page does not. */
export interface Delivery {
  delivery: Promise<boolean>;
}

/**
 * A delivery the caller may wait for (the CLI) or not (a page answers at once):
 * it resolves to whether the SMTP server took the mail and never rejects.
 */
export function deliver(deps: LifecycleDeps, kind: string, sending: Promise<boolean>): Promise<boolean> {
  return sending.catch((err: unknown) => {
    deps.logger.error({ err, kind }, 'rendering a mail failed');
    return false;
  });
}
