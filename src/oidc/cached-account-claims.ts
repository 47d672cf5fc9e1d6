import type { RowCache } from '../../adapters/row-cache.js';
import type { ClaimsLoader } from './find-account.js';

export type AccountClaimsCache = RowCache<NonNullable<Awaited<ReturnType<ClaimsLoader>>>>;

/**
 * Active accounts' claims served from memory: oidc-provider asks for the
 * account on every userinfo, refresh and code redemption, and the
 * introspection policy asks whether a token's user is still active
 * (introspection-policy.ts). The cache is the client cache's kind
 * (adapters/row-cache.ts): usable only while the change listener hears the
 * `users` notifications, every committed change evicts the row on every
 * instance, and unknown or inactive accounts are never kept, so a disabled
 * user is refused from the next request on.
 */
export function cachedClaimsLoader(load: ClaimsLoader, cache: AccountClaimsCache | undefined): ClaimsLoader {
  if (!cache) return load;
  return async (accountId) => {
    const cached = cache.get(accountId);
    if (cached) return cached;
    const ticket = cache.begin();
    const claims = await load(accountId);
    if (claims) cache.store(accountId, claims, ticket);
    return claims;
  };
}
