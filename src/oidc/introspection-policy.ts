import type { Configuration, FindAccount } from 'oidc-provider';
import type { ResourceServer } from '../scopes/resource-server-definition.js';

type Features = NonNullable<Configuration['features']>;
export type IntrospectionPolicy = NonNullable<NonNullable<Features['introspection']>['allowedPolicy']>;

interface IntrospectedToken {
  clientId?: string;
  accountId?: string;
  kind?: string;
  aud?: string | string[];
}

/**
 * RFC 7662 §4: the server decides which protected resources may learn about
 * which tokens. A client may introspect the tokens issued to it; the clients
 * an API names in `introspectingClients` (resource-servers.config.ts) may
 * also introspect access tokens whose audience is that API. Refresh tokens
 * stay their own client's business. Everyone else learns `{"active": false}`
 * (§2.2), as for an unknown token. Decided in memory: no lookup on the hot path.
 */
function isEntitled(callerId: string, token: IntrospectedToken, introspectors: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  if (token.clientId === callerId) return true;
  if (token.kind !== 'AccessToken' && token.kind !== 'ClientCredentials') return false;
  const audiences = Array.isArray(token.aud) ? token.aud : token.aud ? [token.aud] : [];
  return audiences.some((audience) => introspectors.get(audience)?.has(callerId) === true);
}

/**
 * features.introspection.allowedPolicy: who may learn about a token
 * (isEntitled), and whether it is still live.
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
export function createIntrospectionPolicy(findAccount: FindAccount, resourceServers: readonly ResourceServer[]): IntrospectionPolicy {
  const introspectors = new Map(resourceServers.map((server) => [server.identifier, new Set(server.introspectingClients)]));
  return async (ctx, client, token) => {
    const { clientId, accountId } = token as IntrospectedToken;
    if (!isEntitled(client.clientId, token as IntrospectedToken, introspectors)) return false;
    // The Client adapter returns nothing for a disabled client (kysely-client-adapter.ts).
    const owner = clientId === client.clientId ? client : await ctx.oidc.provider.Client.find(clientId ?? '');
    if (!owner) return false;
    // Client credentials tokens have no account.
    if (!accountId) return true;
    return (await findAccount(ctx, accountId, token as Parameters<FindAccount>[2])) !== undefined;
  };
}
