import type { Configuration, FindAccount } from 'oidc-provider';

type Features = NonNullable<Configuration['features']>;
type IntrospectionPolicy = NonNullable<NonNullable<Features['introspection']>['allowedPolicy']>;

/**
 * oidc-provider's introspection checks the token and its grant but neither
 * the account nor (when the caller is the token's own client) the client:
 * a token of a disabled user, or of a disabled or deleted client, would still
 * introspect `active: true` until it expires. Userinfo and the refresh grant
 * already load both (lib/shared/access_token.js, lib/helpers/grant_common.js).
 *
 * This wraps features.introspection.allowedPolicy, which runs before the
 * response is built, so such a token gets the plain `{ "active": false }`
 * (RFC 7662 §2.2) — and introspecting another client's token never reaches
 * the provider's `Client.find(...).subjectType` with a client that is gone.
 */
export function withLiveTokenPolicy(features: Features, findAccount: FindAccount): Features {
  const introspection = features.introspection;
  if (!introspection?.enabled) return features;
  const allowed: IntrospectionPolicy = introspection.allowedPolicy ?? (() => true);
  const policy: IntrospectionPolicy = async (ctx, client, token) => {
    if (!(await allowed(ctx, client, token))) return false;
    const { clientId, accountId } = token as { clientId?: string; accountId?: string };
    // The Client adapter returns nothing for a disabled client (kysely-client-adapter.ts).
    const owner = clientId === client.clientId ? client : await ctx.oidc.provider.Client.find(clientId ?? '');
    if (!owner) return false;
    // Client credentials tokens have no account.
    if (!accountId) return true;
    return (await findAccount(ctx, accountId, token as Parameters<FindAccount>[2])) !== undefined;
  };
  return { ...features, introspection: { ...introspection, allowedPolicy: policy } } as Features;
}
