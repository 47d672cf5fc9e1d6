import type { KoaContextWithOIDC } from 'oidc-provider';

type Client = NonNullable<KoaContextWithOIDC['oidc']['client']>;

/**
 * What an operator approved for a client in advance, so that people are not
 * asked: everything it asks for (a first-party client, `first_party`), or the
 * scopes it lists in `auto_approve_scopes` (a client in code). Registration
 * cannot set either (build-client-metadata.ts).
 */
export interface PreApproval {
  readonly everything: boolean;
  readonly scopes: ReadonlySet<string>;
}

export function preApprovalOf(client: Client): PreApproval {
  const metadata = client.metadata() as { first_party?: unknown; auto_approve_scopes?: unknown };
  const listed = Array.isArray(metadata.auto_approve_scopes) ? metadata.auto_approve_scopes.filter((scope): scope is string => typeof scope === 'string') : [];
  return { everything: metadata.first_party === true, scopes: new Set(listed) };
}

export function isPreApproved(approval: PreApproval, scope: string): boolean {
  return approval.everything || approval.scopes.has(scope);
}

export function hasPreApproval(approval: PreApproval): boolean {
  return approval.everything || approval.scopes.size > 0;
}

/** The payload of a compact JWS (or unsecured JWT) the provider has already verified; undefined for anything else. */
function jwtPayload(jwt: unknown): Record<string, unknown> | undefined {
  if (typeof jwt !== 'string' || jwt.split('.').length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' ? payload as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The scope the client sent, before oidc-provider's checkScope removed
 * offline_access (lib/actions/authorization/scopes.js): from the pushed
 * request (RFC 9126), the request object (RFC 9101), or the query or form.
 */
function requestedScope(ctx: KoaContextWithOIDC): string[] {
  const pushed = (ctx.oidc.entities as { PushedAuthorizationRequest?: { request?: unknown } }).PushedAuthorizationRequest;
  const raw = (ctx.method === 'POST' ? ctx.oidc.body : ctx.query) as Record<string, unknown> | undefined;
  const source = pushed ? jwtPayload(pushed.request) : raw?.request !== undefined ? jwtPayload(raw.request) : raw;
  return typeof source?.scope === 'string' ? source.scope.split(' ') : [];
}

/**
 * oidc-provider drops offline_access from an authorization request unless
 * prompt=consent (lib/actions/authorization/scopes.js), as OpenID Connect
 * Core §11 requires "unless other conditions for processing the request
 * permitting offline access to the requested resources are in place". An
 * operator's approval of the client (first_party, or offline_access in
 * auto_approve_scopes) is such a condition, so skipping the consent screen
 * does not change what is granted: offline_access is put back when the client
 * asked for it, uses the code flow and may use refresh tokens. Runs as an
 * extraParams validator, which oidc-provider calls after its own checks.
 */
export function keepPreApprovedOfflineAccess(ctx: KoaContextWithOIDC, client: Client | undefined): void {
  const route = ctx.oidc.route;
  const { params } = ctx.oidc;
  if (!client || !params || (route !== 'authorization' && route !== 'pushed_authorization_request')) return;
  const scopes = typeof params.scope === 'string' ? params.scope.split(' ') : [];
  if (scopes.includes('offline_access') || !isPreApproved(preApprovalOf(client), 'offline_access')) return;
  if (!String(params.response_type ?? '').split(' ').includes('code') || !client.grantTypeAllowed('refresh_token')) return;
  // checkScope compares only what it kept with the client's allowed scopes.
  if (client.scope !== undefined && !client.scope.split(' ').includes('offline_access')) return;
  if (!requestedScope(ctx).includes('offline_access')) return;
  params.scope = [...scopes, 'offline_access'].join(' ');
}
