import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';

/**
 * First-party clients (marked by an operator) skip the consent screen: the
 * grant is created for what they ask. Everyone else goes through consent,
 * which stores the grant (oidc-provider's default loading otherwise).
 */
export function buildGrantLoading(): Pick<Configuration, 'loadExistingGrant'> {
  return {
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session, provider } = ctx.oidc;
      if (!client || !session) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return provider.Grant.find(grantId);
      if ((client as unknown as { first_party?: boolean }).first_party !== true || !session.accountId) return undefined;
      const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      const scope = [...(ctx.oidc.requestParamScopes ?? [])].join(' ');
      if (scope) grant.addOIDCScope(scope);
      const claims = ctx.oidc.requestParamClaims;
      if (claims?.size) grant.addOIDCClaims([...claims]);
      for (const [indicator, resource] of Object.entries(ctx.oidc.resourceServers ?? {})) {
        grant.addResourceScope(indicator, (resource as { scope: string }).scope);
      }
      await grant.save();
      return grant;
    },
  };
}
