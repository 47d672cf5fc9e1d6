import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditEntry, AuditEventName, AuditLog } from '../../audit/audit-log.js';
import { requestOrigin } from '../../audit/request-origin.js';
import { grantTypeOf } from './grant-type-of.js';
import type { Replay } from './replay.js';

type OidcContext = KoaContextWithOIDC;
type WithAccount = { accountId?: string } | undefined;

/** Who, which client, from where: never a token or secret value. */
export function auditOrigin(ctx: OidcContext): Pick<AuditEntry, 'clientId' | 'ip' | 'userAgent'> {
  return { clientId: ctx.oidc?.client?.clientId ?? null, ...requestOrigin(ctx) };
}

function accountOf(ctx: OidcContext): string | null {
  const { entities } = ctx.oidc;
  const holders: WithAccount[] = [entities.Account, entities.AuthorizationCode, entities.RefreshToken, entities.DeviceCode,
    entities.BackchannelAuthenticationRequest];
  return holders.find((holder) => holder?.accountId)?.accountId ?? null;
}

function replayEvent(grantType: string | undefined): AuditEventName {
  if (grantType === 'refresh_token') return 'refresh_token.reuse_detected';
  if (grantType === 'authorization_code') return 'authorization_code.replay_detected';
  return 'grant.revoked';
}

export interface AuditListenerOptions {
  /** AUDIT_TOKEN_ISSUANCE: also write a row for each client-credentials token (default off). */
  clientCredentialsIssuance?: boolean;
}

/**
 * The audit rows for the provider's security-relevant events (event names:
 * oidc-provider docs/events.md), registered by register-listeners.ts.
 * Listeners are synchronous, so the write runs beside the response; `record`
 * never throws.
 */
export function createAuditEvents(audit: AuditLog, options: AuditListenerOptions = {}) {
  const write = (entry: AuditEntry) => { void audit.record(entry); };
  return {
    grantSuccess(ctx: OidcContext): void {
      // A machine's client-credentials token involves no person: counted in
      // oidc_tokens_issued_total (count-grants.ts), a row only when asked for.
      const grantType = grantTypeOf(ctx);
      if (grantType === 'client_credentials' && !options.clientCredentialsIssuance) return;
      write({ event: 'token.issued', actor: accountOf(ctx), ...auditOrigin(ctx), details: { grant_type: grantType } });
    },
    // Revocation of a whole grant: on the token endpoint it is oidc-provider's
    // replay response (code reuse, RFC 6749 §4.1.2; refresh reuse, RFC 9700 §4.14.2).
    grantRevoked(ctx: OidcContext, grantId: string): void {
      const route = ctx.oidc?.route;
      if (route === 'revocation') return; // recorded as token.revoked by revocation-audit.ts
      const event = route === 'token' ? replayEvent(grantTypeOf(ctx)) : 'grant.revoked';
      write({ event, actor: accountOf(ctx), ...auditOrigin(ctx), details: { grant_id: grantId, route } });
    },
    // The same replay, lost in a race inside the adapter (replay.ts); the
    // provider's own detection is recorded by grantRevoked.
    replay(ctx: OidcContext, replay: Replay): void {
      if (!replay.concurrent) return;
      write({ event: replayEvent(replay.grantType), ...auditOrigin(ctx), details: { grant_id: replay.grantId, concurrent: true } });
    },
    // RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the session
    // ends, whether or not a grant is revoked with it (offline grants persist).
    endSession(ctx: OidcContext): void {
      const everywhere = (ctx.oidc?.params as { logout?: unknown } | undefined)?.logout !== undefined;
      write({ event: 'session.ended', actor: ctx.oidc?.session?.accountId ?? null, ...auditOrigin(ctx), details: { everywhere } });
    },
    registration(event: 'client.created' | 'client.changed' | 'client.deleted', ctx: OidcContext, clientId: string): void {
      write({ event, ...auditOrigin(ctx), clientId, details: { source: 'registration' } });
    },
  };
}

