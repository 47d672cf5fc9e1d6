import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { quoteValue } from '../../clients/redirect-uri-policy.js';
import type { ResourceServer } from '../../scopes/resource-server-definition.js';

type ResourceIndicatorsFeature = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

function canonical(indicator: string): string | undefined {
  return URL.parse(indicator)?.href;
}

function requestedResources(ctx: KoaContextWithOIDC): string[] {
  const { resource } = ctx.oidc.params ?? {};
  if (typeof resource === 'string') return [resource];
  return Array.isArray(resource) ? resource.filter((value): value is string => typeof value === 'string') : [];
}

/**
 * Resource servers from code (src/scopes/resource-servers.config.ts) as
 * oidc-provider's features.resourceIndicators (RFC 8707):
 * - an unknown `resource` is refused with invalid_target (§2);
 * - a token for an API carries only that API's scopes, further limited to the
 *   client's allow-list (`scope` metadata), and that API as `aud`;
 * - a scope only another API accepts, asked for beside (or without) the
 *   `resource` that accepts it, is refused with invalid_scope instead of being
 *   silently dropped, so the client learns its request is wrong.
 */
export function buildResourceIndicators(servers: readonly ResourceServer[], oidcScopes: readonly string[]): ResourceIndicatorsFeature {
  const byIdentifier = new Map(servers.map((server) => [server.identifier, server]));
  const apiOnlyScopes = new Set(servers.flatMap((server) => server.scopes).filter((scope) => !oidcScopes.includes(scope)));

  function refuseOtherApisScopes(ctx: KoaContextWithOIDC): void {
    const scopes = typeof ctx.oidc.params?.scope === 'string' ? ctx.oidc.params.scope.split(' ') : [];
    const accepted = new Set(requestedResources(ctx).flatMap((resource) => byIdentifier.get(canonical(resource) ?? '')?.scopes ?? []));
    const stray = scopes.find((scope) => apiOnlyScopes.has(scope) && !accepted.has(scope));
    if (stray) {
      throw new errors.InvalidScope(`scope ${quoteValue(stray)} belongs to another API; request it with that API as resource`, stray);
    }
  }

  return {
    enabled: true,
    // No resource asked → none chosen: the access token is for userinfo, as
    // without resource indicators. Several granted at the token endpoint →
    // the array comes back and oidc-provider asks the client to pick one.
    async defaultResource(ctx, _client, oneOf) {
      if (oneOf) return oneOf;
      refuseOtherApisScopes(ctx);
      return undefined;
    },
    async getResourceServerInfo(ctx, indicator, client) {
      const server = byIdentifier.get(canonical(indicator) ?? '');
      if (!server) throw new errors.InvalidTarget('unknown resource indicator');
      refuseOtherApisScopes(ctx);
      const allowList = client.scope ? new Set(client.scope.split(' ')) : undefined;
      const scope = server.scopes.filter((name) => !allowList || allowList.has(name)).join(' ');
      return {
        scope,
        audience: server.identifier,
        accessTokenFormat: server.accessTokenFormat,
        ...(server.accessTokenTtl ? { accessTokenTTL: server.accessTokenTtl } : {}),
        // RFC 9068 §2.1: signed with the provider's keys (RS256 by default), typ at+jwt.
        ...(server.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
      };
    },
    // A client that asked for exactly one API at the authorization endpoint
    // gets that API's token without repeating `resource` at the token endpoint
    // (RFC 8707 §2.2 lets the server use the granted resource).
    async useGrantedResource() {
      return true;
    },
  };
}
