import type { Configuration, FindAccount } from 'oidc-provider';

type Features = NonNullable<Configuration['features']>;
export type IntrospectionPolicy = NonNullable<NonNullable<Features['introspection']>['allowedPolicy']>;

/**
 * features.introspection.allowedPolicy. Confidential clients (APIs) may
 * introspect any token; a public client only its own, so it cannot probe
 * other clients' tokens (RFC 7662 §4).
 *
 * It also answers `{ "active": false }` (RFC 7662 §2.2) for a token whose
 * account or client is no longer active: oidc-provider's introspection checks
 * the token and its grant but neither the account nor (when the caller is the
 * token's own client) the client, so a token of a disabled user or of a
 * disabled or deleted client would introspect active until it expires.
 * Userinfo and the refresh grant already load both (lib/shared/access_token.js,
 * lib/helpers/grant_common.js). The policy runs before the response is built,
 * so introspecting another client's token never reaches the provider's
 * `Client.find(...).subjectType` with a client that is gone.
 */
export function createIntrospectionPolicy(findAccount: FindAccount): IntrospectionPolicy {
  return async (ctx, client, token) => {
    const { clientId, accountId } = token as { clientId?: string; accountId?: string };
    if (client.clientAuthMethod === 'none' && clientId !== client.clientId) return false;
    // The Client adapter returns nothing for a disabled client (kysely-client-adapter.ts).
    const owner = clientId === client.clientId ? client : await ctx.oidc.provider.Client.find(clientId ?? '');
    if (!owner) return false;
    // Client credentials tokens have no account.
    if (!accountId) return true;
    return (await findAccount(ctx, accountId, token as Parameters<FindAccount>[2])) !== undefined;
  };
}
