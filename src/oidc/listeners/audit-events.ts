import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { AlreadyConsumedError } from '../../../adapters/already-consumed-error.js';
import type { AuditEntry, AuditEventName, AuditLog } from '../../audit/audit-log.js';
import { grantTypeOf } from './grant-type-of.js';

type OidcContext = KoaContextWithOIDC;
type WithAccount = { accountId?: string } | undefined;

/** Who, which client, from where: never a token or secret value. */
function origin(ctx: OidcContext): Pick<AuditEntry, 'clientId' | 'ip' | 'userAgent'> {
  return { clientId: ctx.oidc?.client?.clientId ?? null, ip: ctx.ip || null, userAgent: ctx.get('user-agent') || null };
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
 * Writes the provider's security-relevant events to the audit trail
 * (event names: oidc-provider docs/events.md). Listeners are synchronous, so
 * the write runs beside the response; `record` never throws.
 */
export function listenAuditEvents(provider: Provider, audit: AuditLog, options: AuditListenerOptions = {}): void {
  const write = (entry: AuditEntry) => { void audit.record(entry); };

  provider.on('grant.success', (ctx: OidcContext) => {
    // A machine's client-credentials token involves no person: counted in
    // oidc_tokens_issued_total (count-grants.ts), a row only when asked for.
    const grantType = grantTypeOf(ctx);
    if (grantType === 'client_credentials' && !options.clientCredentialsIssuance) return;
    write({ event: 'token.issued', actor: accountOf(ctx), ...origin(ctx), details: { grant_type: grantType } });
  });
  // Revocation of a whole grant: on the token endpoint it is oidc-provider's
  // replay response (code reuse, RFC 6749 §4.1.2; refresh reuse, RFC 9700 §4.14.2).
  provider.on('grant.revoked', (ctx: OidcContext, grantId: string) => {
    const route = ctx.oidc?.route;
    if (route === 'revocation') return; // recorded as token.revoked by the middleware below
    const event = route === 'token' ? replayEvent(grantTypeOf(ctx)) : 'grant.revoked';
    write({ event, actor: accountOf(ctx), ...origin(ctx), details: { grant_id: grantId, route } });
  });
  // The same replay, lost in a race inside the adapter (see revoke-on-replay.ts).
  provider.on('grant.error', (ctx: OidcContext, error: unknown) => {
    if (!(error instanceof AlreadyConsumedError)) return;
    write({ event: replayEvent(grantTypeOf(ctx)), ...origin(ctx), details: { grant_id: error.grantId, concurrent: true } });
  });
  // RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the session
  // ends, whether or not a grant is revoked with it (offline grants persist).
  provider.on('end_session.success', (ctx: OidcContext) => {
    const everywhere = (ctx.oidc?.params as { logout?: unknown } | undefined)?.logout !== undefined;
    write({ event: 'session.ended', actor: ctx.oidc?.session?.accountId ?? null, ...origin(ctx), details: { everywhere } });
  });
  // Not in @types/oidc-provider's event map, but emitted (docs/events.md).
  const emitter = provider as unknown as { on(name: string, listener: (ctx: OidcContext, client: { clientId: string }) => void): void };
  for (const [name, event] of [
    ['registration_create.success', 'client.created'],
    ['registration_update.success', 'client.changed'],
    ['registration_delete.success', 'client.deleted'],
  ] as const) {
    emitter.on(name, (ctx, client) => {
      write({ event, ...origin(ctx), clientId: client.clientId, details: { source: 'registration' } });
    });
  }
}

/** RFC 7009 revocation answers 200 whether or not a token was found; only a found and destroyed one is recorded. */
export function createRevocationAuditMiddleware(audit: AuditLog): Middleware {
  return async (ctx, next) => {
    await next();
    const { oidc } = ctx as unknown as Partial<OidcContext>;
    if (oidc?.route !== 'revocation' || ctx.status !== 200) return;
    // oidc-provider answers `ctx.body = ''`, which Koa sends as text/plain;
    // RFC 7009 §2.2 gives the 200 no content, and oidc-client-ts refuses a
    // text/plain answer before it revokes the refresh token. An explicit null
    // body makes Koa send no Content-Type at all.
    ctx.body = null;
    ctx.status = 200;
    const { AccessToken, RefreshToken, ClientCredentials } = oidc.entities;
    const token = RefreshToken ?? AccessToken ?? ClientCredentials;
    if (!token) return;
    await audit.record({
      event: 'token.revoked',
      actor: (token as WithAccount)?.accountId ?? null,
      ...origin(ctx as unknown as OidcContext),
      details: { kind: token.kind, grant_id: (token as { grantId?: string }).grantId },
    });
  };
}
