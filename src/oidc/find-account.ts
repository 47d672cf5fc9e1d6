import type { FindAccount } from 'oidc-provider';

export type ClaimsLoader = (accountId: string) => Promise<Record<string, unknown> & { sub: string } | undefined>;

/**
 * oidc-provider asks for the account on every grant, refresh and userinfo call;
 * an unknown or inactive user yields undefined, which ends those requests with
 * invalid_grant / invalid_token.
 */
export function createFindAccount(loadClaims: ClaimsLoader): FindAccount {
  return async (_ctx, accountId) => {
    const claims = await loadClaims(accountId);
    if (!claims) return undefined;
    return { accountId, claims: async () => claims };
  };
}
