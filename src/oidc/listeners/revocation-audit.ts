import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditLog } from '../../audit/audit-log.js';
import { auditOrigin } from './audit-events.js';

/**
 * RFC 7009 revocation answers 200 whether or not a token was found; only a
 * found and destroyed one is recorded. oidc-provider emits no event for a
 * token revoked at this endpoint (grant.revoked only when a whole grant goes),
 * so the finished answer is read here (http/response-rewriters.ts lists why).
 */
export function createRevocationAuditMiddleware(audit: AuditLog): Middleware {
  return async (ctx, next) => {
    await next();
    const { oidc } = ctx as unknown as Partial<KoaContextWithOIDC>;
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
      actor: (token as { accountId?: string }).accountId ?? null,
      ...auditOrigin(ctx as unknown as KoaContextWithOIDC),
      details: { kind: token.kind, grant_id: (token as { grantId?: string }).grantId },
    });
  };
}
